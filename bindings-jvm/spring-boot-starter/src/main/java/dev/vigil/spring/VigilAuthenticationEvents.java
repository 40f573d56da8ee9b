package dev.vigil.spring;

import dev.vigil.sdk.Vigil;
import dev.vigil.sdk.VigilException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.UsernameNotFoundException;

/**
 * Spring Security's authentication events as Vigil logins: every authentication the {@code
 * ProviderManager} makes (form login, HTTP Basic, ...) succeeds or fails under the principal's
 * name. A tracking failure is logged, never thrown into the login.
 */
public class VigilAuthenticationEvents {
  private static final Logger LOG = LoggerFactory.getLogger(VigilAuthenticationEvents.class);
  private final String identifier;

  public VigilAuthenticationEvents(String identifier) {
    this.identifier = identifier;
  }

  @EventListener
  public void onSuccess(AuthenticationSuccessEvent event) {
    track(true, event.getAuthentication(), null);
  }

  @EventListener
  public void onFailure(AbstractAuthenticationFailureEvent event) {
    // Spring hides a missing account behind bad credentials unless told otherwise; when it
    // does say so, the login is a probe for an account that does not exist.
    Boolean exists = event.getException() instanceof UsernameNotFoundException ? false : null;
    track(false, event.getAuthentication(), exists);
  }

  private void track(boolean success, Authentication authentication, Boolean exists) {
    String name = authentication == null ? null : authentication.getName();
    if (name == null || name.isBlank()) {
      return;
    }
    try {
      var user = Vigil.user().authKey(identifier, name);
      if (exists != null) {
        user.accountExists(exists);
      }
      user.trackLogin(success);
    } catch (VigilException e) {
      LOG.warn("Vigil did not track the login of {}: {}", name, e.getMessage());
    }
  }
}

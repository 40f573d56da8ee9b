package dev.vigil.spring;

import dev.vigil.sdk.UserBlockedException;
import dev.vigil.sdk.Vigil;
import dev.vigil.sdk.VigilException;
import dev.vigil.sdk.servlet.VigilFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Identifies Spring Security's signed-in user on each request; a blocked user (on this device) gets
 * the block response instead of the app.
 */
public class VigilIdentifyFilter extends OncePerRequestFilter {
  private static final Logger LOG = LoggerFactory.getLogger(VigilIdentifyFilter.class);
  private final String identifier;

  public VigilIdentifyFilter(String identifier) {
    this.identifier = identifier;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    if (auth != null
        && auth.isAuthenticated()
        && !(auth instanceof AnonymousAuthenticationToken)
        && auth.getName() != null) {
      try {
        Vigil.identify(Map.of(identifier, auth.getName()));
      } catch (UserBlockedException blocked) {
        VigilFilter.write(
            response, Vigil.blockResponse(blocked.decision(), request.getHeader("Accept")));
        return;
      } catch (VigilException e) {
        LOG.warn("Vigil did not identify {}: {}", auth.getName(), e.getMessage());
      }
    }
    chain.doFilter(request, response);
  }
}

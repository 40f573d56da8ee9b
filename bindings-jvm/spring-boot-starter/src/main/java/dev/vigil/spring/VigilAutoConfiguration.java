package dev.vigil.spring;

import dev.vigil.sdk.Vigil;
import dev.vigil.sdk.VigilClient;
import dev.vigil.sdk.servlet.VigilFilter;
import jakarta.servlet.Filter;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.event.AbstractAuthenticationEvent;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Vigil in a Spring Boot servlet app: the client started from {@code vigil.*} (when set), the
 * {@link VigilFilter} first in the chain, and with Spring Security, logins tracked from its
 * authentication events and the signed-in user identified on every request.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(Filter.class)
@ConditionalOnProperty(prefix = "vigil", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(VigilProperties.class)
public class VigilAutoConfiguration {
  /** Before Spring Security's chain (-100), so its login events see the request's context. */
  public static final int FILTER_ORDER = -110;

  /** Inside Spring Security's chain, where the signed-in user is known. */
  public static final int IDENTIFY_ORDER = -90;

  /** The process's client; its close (with the context) flushes within 2 s. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public VigilClient vigilClient(VigilProperties properties) {
    Map<String, String> options = properties.startOptions();
    // Nothing configured here: Vigil starts lazily from VIGIL_* and vigil.toml.
    return options.isEmpty() ? Vigil.start(Map.of()) : Vigil.start(options);
  }

  @Bean
  @ConditionalOnMissingBean(name = "vigilFilterRegistration")
  public FilterRegistrationBean<VigilFilter> vigilFilterRegistration(VigilClient client) {
    FilterRegistrationBean<VigilFilter> registration =
        new FilterRegistrationBean<>(new VigilFilter());
    registration.setName("vigilFilter");
    registration.setOrder(FILTER_ORDER);
    return registration;
  }

  /** Automatic mode: logins and the signed-in user, from Spring Security, with no code. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({AbstractAuthenticationEvent.class, SecurityContextHolder.class})
  @ConditionalOnProperty(prefix = "vigil.security", name = "enabled", matchIfMissing = true)
  static class SecurityConfiguration {

    @Bean
    VigilAuthenticationEvents vigilAuthenticationEvents(VigilProperties properties) {
      return new VigilAuthenticationEvents(properties.getSecurity().getIdentifier());
    }

    @Bean
    FilterRegistrationBean<VigilIdentifyFilter> vigilIdentifyFilterRegistration(
        VigilProperties properties) {
      FilterRegistrationBean<VigilIdentifyFilter> registration =
          new FilterRegistrationBean<>(
              new VigilIdentifyFilter(properties.getSecurity().getIdentifier()));
      registration.setName("vigilIdentifyFilter");
      registration.setOrder(IDENTIFY_ORDER);
      return registration;
    }
  }
}

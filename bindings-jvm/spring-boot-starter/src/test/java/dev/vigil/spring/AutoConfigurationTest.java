package dev.vigil.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.core.context.SecurityContextHolder;

/** What the starter registers, by what the app has and says. */
class AutoConfigurationTest {
  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(VigilAutoConfiguration.class));

  @Test
  void aServletAppGetsTheFilterAndAutomaticMode() {
    runner.run(
        context -> {
          assertThat(context).hasBean("vigilFilterRegistration");
          assertThat(context).hasSingleBean(VigilAuthenticationEvents.class);
          assertThat(context).hasBean("vigilIdentifyFilterRegistration");
        });
  }

  @Test
  void withoutSpringSecurityOnlyTheFilter() {
    runner
        .withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
        .run(
            context -> {
              assertThat(context).hasBean("vigilFilterRegistration");
              assertThat(context).doesNotHaveBean(VigilAuthenticationEvents.class);
            });
  }

  @Test
  void automaticModeCanBeTurnedOff() {
    runner
        .withPropertyValues("vigil.security.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(VigilAuthenticationEvents.class));
  }

  @Test
  void disabledRegistersNothing() {
    runner
        .withPropertyValues("vigil.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("vigilFilterRegistration"));
  }

  @Test
  void badOptionsFailTheStartWithVigilsMessage() {
    runner
        .withPropertyValues("vigil.options.flush_interval_ms=soon")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(dev.vigil.sdk.ConfigException.class));
  }
}

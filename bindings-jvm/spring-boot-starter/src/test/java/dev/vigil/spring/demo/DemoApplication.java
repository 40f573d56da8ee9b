package dev.vigil.spring.demo;

// The Sqreen app's import was io.sqreen.agent.sdk.Sqreen: porting it is this line.
import dev.vigil.sdk.Sqreen;
import java.security.Principal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The README's Spring Boot example: form login and HTTP Basic from Spring Security, tracked by the
 * starter's automatic mode; a signup tracked by hand with Sqreen's API.
 */
@SpringBootApplication
@RestController
public class DemoApplication {

  public static void main(String[] args) {
    SpringApplication.run(DemoApplication.class, args);
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(
            a -> a.requestMatchers("/signup", "/error").permitAll().anyRequest().authenticated())
        .formLogin(Customizer.withDefaults())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.ignoringRequestMatchers("/signup"));
    return http.build();
  }

  @Bean
  InMemoryUserDetailsManager users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}wonderland").roles("USER").build(),
        User.withUsername("bob").password("{noop}builder").roles("USER").build());
  }

  @GetMapping("/account")
  String account(Principal user) {
    return "hello " + user.getName();
  }

  @PostMapping("/signup")
  String signup(@RequestParam("username") String username) {
    Sqreen.user().authKey("username", username).trackSignup();
    return "welcome " + username;
  }
}

//! Attack episodes, each labelled `<kind>#<n>`. Victims are ordinary users with a history
//! (devices and a home country the engine has seen), so a takeover is something new in
//! their account, not a first login. Scripts send no device cookie; an attacker's browser
//! has a device the victim never used.

use rand::seq::SliceRandom;
use rand::Rng;

use super::format::TraceKind;
use super::generate::{Block, Gen, MIN, SEC};
use super::populations::{session, Person, NORMAL_DOMAINS};
use super::world::{Access, Spot, ATTACKER_HOMES, HOMES, HOSTING};

/// The people attacks pick their victims among. An account is the target of one
/// single-account attack at most (two at once on one account would blur whose signal is
/// whose); stuffing lists name anyone.
pub(super) struct Victims {
    people: Vec<Person>,
    taken: Vec<bool>,
}

impl Victims {
    pub fn new(people: Vec<Person>) -> Self {
        let taken = vec![false; people.len()];
        Victims { people, taken }
    }

    /// A victim no other episode targeted (any, once every one was).
    fn pick(&mut self, g: &mut Gen) -> usize {
        let free: Vec<usize> = (0..self.people.len()).filter(|&i| !self.taken[i]).collect();
        let i = match free.choose(&mut g.rng) {
            Some(&i) => i,
            None => g.rng.gen_range(0..self.people.len()),
        };
        self.taken[i] = true;
        i
    }

    /// Anyone, for a stuffing list.
    fn listed(&self, g: &mut Gen) -> u128 {
        self.people[g.rng.gen_range(0..self.people.len())].user
    }
}

pub(super) fn generate(g: &mut Gen, kind: &str, victims: &mut Victims, label: &str) {
    match kind {
        "brute_force" => brute_force(g, victims, label),
        "credential_stuffing" => stuffing(g, victims, label, false),
        "distributed_brute_force" => distributed(g, victims, label),
        "account_enumeration" => enumeration(g, label),
        "takeover_after_stuffing" => stuffing(g, victims, label, true),
        "signup_burst" => signup_burst(g, label),
        "disposable_email" => disposable(g, label),
        "takeover_new_country" => takeover_new_country(g, victims, label),
        "impossible_travel_takeover" => impossible_travel(g, victims, label),
        "hosting_stuffing" => hosting_stuffing(g, victims, label),
        "lockout_attack" => lockout(g, victims, label),
        _ => unreachable!("every kind in ATTACK_KINDS is generated"),
    }
}

/// An attacker's own (or a residential proxy's) address, abroad.
fn attacker(g: &mut Gen) -> Access {
    Access {
        ip: g.fresh_ip(Block::Attack),
        spot: *ATTACKER_HOMES.choose(&mut g.rng).expect("not empty"),
    }
}

/// A rented server in `spot`'s data centre.
fn rented(g: &mut Gen, spot: Spot) -> Access {
    Access {
        ip: g.fresh_ip(Block::Attack),
        spot,
    }
}

fn any_rented(g: &mut Gen) -> Access {
    let spot = *HOSTING.choose(&mut g.rng).expect("not empty");
    rented(g, spot)
}

fn fail(g: &mut Gen, t: i64, user: u128, at: &Access, exists: Option<bool>, label: &str) {
    g.rec(t, TraceKind::AuthFailure, Some(user), at, None, label)
        .exists = exists;
}

/// One IP hammering one existing account.
fn brute_force(g: &mut Gen, victims: &mut Victims, label: &str) {
    let i = victims.pick(g);
    let user = victims.people[i].user;
    let at = if g.chance(0.3) {
        any_rented(g)
    } else {
        attacker(g)
    };
    let n = g.rng.gen_range(20..=60);
    let mut t = g.episode_start(n * 8 * SEC);
    for _ in 0..n {
        fail(g, t, user, &at, Some(true), label);
        t += g.rng.gen_range(2 * SEC..=8 * SEC);
    }
}

/// One address trying a leaked list: many accounts, a password or two each. Returns when it
/// ended.
fn stuff(g: &mut Gen, victims: &Victims, at: &Access, n: i64, mut t: i64, label: &str) -> i64 {
    for _ in 0..n {
        let (user, exists) = if g.chance(0.3) {
            (victims.listed(g), Some(true))
        } else {
            let exists = [Some(true), None, Some(false)][g.rng.gen_range(0..3)];
            (g.rng.gen(), exists)
        };
        fail(g, t, user, at, exists, label);
        t += g.rng.gen_range(SEC..=6 * SEC);
    }
    t
}

/// The list had one right password: the tool's browser logs in (a device the victim never
/// used, from where the tool runs).
fn hit(g: &mut Gen, victims: &mut Victims, at: &Access, t: i64, label: &str) {
    let i = victims.pick(g);
    let user = victims.people[i].user;
    let d = Some(g.device());
    g.rec(t, TraceKind::AuthSuccess, Some(user), at, d, label);
}

/// With `takeover`, it ends by getting into one real account.
fn stuffing(g: &mut Gen, victims: &mut Victims, label: &str, takeover: bool) {
    let at = attacker(g);
    let n = if takeover {
        g.rng.gen_range(25..=60)
    } else {
        g.rng.gen_range(40..=150)
    };
    let start = g.episode_start(n * 6 * SEC + MIN);
    let end = stuff(g, victims, &at, n, start, label);
    if takeover {
        let t = end + g.rng.gen_range(5 * SEC..=50 * SEC);
        hit(g, victims, &at, t, label);
    }
}

/// Stuffing from rented servers in one data centre, a few addresses at once; sometimes a hit.
fn hosting_stuffing(g: &mut Gen, victims: &mut Victims, label: &str) {
    let dc = *HOSTING.choose(&mut g.rng).expect("not empty");
    let servers: Vec<Access> = (0..g.rng.gen_range(1..=3)).map(|_| rented(g, dc)).collect();
    let start = g.episode_start(80 * 6 * SEC + MIN);
    let mut end = start;
    for at in &servers {
        let n = g.rng.gen_range(25..=80);
        let first = start + g.rng.gen_range(0..=30 * SEC);
        end = end.max(stuff(g, victims, at, n, first, label));
    }
    if g.chance(0.3) {
        let t = end + g.rng.gen_range(5 * SEC..=50 * SEC);
        hit(g, victims, &servers[0], t, label);
    }
}

/// A botnet on one account: each address fails only once or twice. Residential proxies,
/// in the victims' own countries as much as abroad.
fn distributed(g: &mut Gen, victims: &mut Victims, label: &str) {
    let i = victims.pick(g);
    let user = victims.people[i].user;
    let botnet: Vec<Access> = (0..g.rng.gen_range(40..=80))
        .map(|_| Access {
            ip: g.fresh_ip(Block::Attack),
            spot: if g.chance(0.5) {
                HOMES.choose(&mut g.rng).expect("not empty").0
            } else {
                *ATTACKER_HOMES.choose(&mut g.rng).expect("not empty")
            },
        })
        .collect();
    let n: i64 = g.rng.gen_range(45..=70);
    let duration = (50 * MIN).min(g.span - MIN);
    let step = duration / n;
    let mut t = g.episode_start(duration);
    for _ in 0..n {
        let at = *botnet.choose(&mut g.rng).expect("botnet");
        fail(g, t, user, &at, Some(true), label);
        t += g.rng.gen_range(step / 2..=step);
    }
}

/// One IP probing which accounts exist.
fn enumeration(g: &mut Gen, label: &str) {
    let at = attacker(g);
    let n = g.rng.gen_range(20..=50);
    let mut t = g.episode_start(n * 20 * SEC);
    for _ in 0..n {
        let user = g.rng.gen();
        fail(g, t, user, &at, Some(false), label);
        t += g.rng.gen_range(2 * SEC..=20 * SEC);
    }
}

/// One IP creating many accounts (a headless browser: a new device each time).
fn signup_burst(g: &mut Gen, label: &str) {
    let at = if g.chance(0.5) {
        any_rented(g)
    } else {
        attacker(g)
    };
    let n: i64 = g.rng.gen_range(15..=40);
    let step = (90 * SEC).min((g.span - MIN) / n);
    let mut t = g.episode_start(n * step);
    for _ in 0..n {
        let user = Some(g.rng.gen());
        let d = Some(g.device());
        let domain = *NORMAL_DOMAINS.choose(&mut g.rng).expect("not empty");
        g.rec(t, TraceKind::Signup, user, &at, d, label)
            .email_domain = Some(domain.into());
        t += g.rng.gen_range(step / 3..=step);
    }
}

/// A signup with a throwaway address, then a login.
fn disposable(g: &mut Gen, label: &str) {
    const DISPOSABLE: [&str; 6] = [
        "mailinator.com",
        "yopmail.com",
        "guerrillamail.com",
        "10minutemail.com",
        "sharklasers.com",
        "trashmail.com",
    ];
    let at = attacker(g);
    let user = Some(g.rng.gen());
    let d = Some(g.device());
    let t = g.episode_start(MIN);
    let domain = *DISPOSABLE.choose(&mut g.rng).expect("not empty");
    g.rec(t, TraceKind::Signup, user, &at, d, label)
        .email_domain = Some(domain.into());
    g.rec(t + 30 * SEC, TraceKind::AuthSuccess, user, &at, d, label);
}

/// The attacker has the real password (phished, or from an infostealer) and logs in from
/// their own country, on their own browser; sometimes mistyping it once first. Then browses.
fn takeover_new_country(g: &mut Gen, victims: &mut Victims, label: &str) {
    let i = victims.pick(g);
    let v = &victims.people[i];
    let user = v.user;
    let at = loop {
        let at = attacker(g);
        if !v.countries.contains(&at.spot.country) {
            break at;
        }
    };
    let d = Some(g.device());
    let t = g.episode_start(3 * MIN);
    if g.chance(0.25) {
        g.rec(
            t - 20 * SEC,
            TraceKind::AuthFailure,
            Some(user),
            &at,
            d,
            label,
        )
        .exists = Some(true);
    }
    g.rec(t, TraceKind::AuthSuccess, Some(user), &at, d, label);
    if g.chance(0.6) {
        g.rec(t + 40 * SEC, TraceKind::Custom, Some(user), &at, d, label)
            .name = Some("page_view".into());
    }
}

/// The owner logs in at home; minutes later someone with the password logs in far away:
/// in a far city of the owner's own country when it is big enough (no new country, only
/// the distance gives it away), otherwise abroad.
fn impossible_travel(g: &mut Gen, victims: &mut Victims, label: &str) {
    let i = victims.pick(g);
    let t0 = g.episode_start(25 * MIN);
    // The phone: a device of the warm-up, known to the engine by now.
    let (home, device) = (victims.people[i].home, victims.people[i].devices[0]);
    session(g, &mut victims.people[i], t0, home, device);
    let far: Vec<Spot> = HOMES
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| s.country == home.spot.country && s.km_to(&home.spot) >= 1_500.0)
        .collect();
    let at = match far.choose(&mut g.rng) {
        Some(&spot) if g.chance(0.5) => Access {
            ip: g.fresh_ip(Block::Attack),
            spot,
        },
        _ => attacker(g),
    };
    let t = t0 + g.rng.gen_range(2 * MIN..=20 * MIN);
    let d = Some(g.device());
    g.rec(
        t,
        TraceKind::AuthSuccess,
        Some(victims.people[i].user),
        &at,
        d,
        label,
    );
}

/// A brute force meant to get the account locked, not into it: one address failing on the
/// victim for minutes, while the victim, at home, logs in from a known device (once or
/// twice, after the attack has passed any lockout threshold).
fn lockout(g: &mut Gen, victims: &mut Victims, label: &str) {
    let i = victims.pick(g);
    let user = victims.people[i].user;
    let at = if g.chance(0.3) {
        any_rented(g)
    } else {
        attacker(g)
    };
    let n = g.rng.gen_range(20..=50);
    let mut t = g.episode_start(n * 20 * SEC);
    let mut times = Vec::new();
    for _ in 0..n {
        fail(g, t, user, &at, Some(true), label);
        times.push(t);
        t += g.rng.gen_range(5 * SEC..=20 * SEC);
    }
    for _ in 0..g.rng.gen_range(1..=2) {
        let t = g.rng.gen_range(times[12]..times[times.len() - 1]);
        let (home, device) = (victims.people[i].home, victims.people[i].devices[0]);
        session(g, &mut victims.people[i], t, home, device);
    }
}

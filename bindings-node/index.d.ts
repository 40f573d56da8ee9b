// Type declarations of vigil-sdk.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** User identifiers: string keys to string values (at most 16 pairs). */
export type UserIdentifiers = Record<string, string> | Array<[string, string]>;

/** The older spelling of the `block_*` options. */
export interface BlockOptions {
  /** `block_status`: HTTP status of the block response (403 by default). */
  status?: number;
  /** `block_json`: body sent when the client prefers JSON. */
  json?: unknown;
  /** `block_html`: page sent otherwise (`{reference}`, `{reason}` filled in, escaped). */
  html?: string;
  /** `block_redirect`: send blocked requests here instead (303). */
  redirect?: string;
}

/** The older spelling of `trusted_proxies`: false (none), true (all) or networks. */
export type TrustProxy = boolean | string | string[];

export interface StartOptions {
  /** Server base URL; absent means local mode (the in-process engine decides). */
  url?: string;
  token?: string;
  pii?: 'plain' | 'hash';
  pii_secret?: string;
  keep_email_domain?: boolean;
  flush_interval_ms?: number;
  batch_max_events?: number;
  batch_max_bytes?: number;
  queue_capacity?: number;
  gzip?: boolean;
  request_timeout_ms?: number;
  decisions?: boolean;
  decisions_wait_s?: number;
  ip_map_capacity?: number;
  ip_map_ttl_s?: number;
  /** A vigil.toml to read instead of ./vigil.toml or $VIGIL_CONFIG. */
  config_file?: string;
  /**
   * Proxies trusted to set the client-IP header: addresses, networks, `loopback`, `private`,
   * `link_local`, `none` (default `loopback`).
   */
  trusted_proxies?: string | string[];
  /** `X-Forwarded-For` (default), `Forwarded`, or a single-address header such as `X-Real-IP`. */
  client_ip_header?: string;
  /** Status of the block response (403 by default; 2xx, 4xx or 5xx). */
  block_status?: number;
  /** Send blocked requests here (303) unless their decision names its own target. */
  block_redirect?: string;
  /** The HTML page (`{reference}` and `{reason}` are filled in, escaped). */
  block_html?: string;
  /** The JSON body (a JSON text, or a value to serialize). */
  block_json?: unknown;
  /** One body for every client, with `block_content_type`. */
  block_body?: string;
  block_content_type?: string;
  /** Name of the signed device cookie (`vigil_device`); `''` disables it. */
  device_cookie?: string;
  /** Add `Secure` to the device cookie (set it behind HTTPS). */
  device_cookie_secure?: boolean;
  /** The device cookie's `Max-Age`: seconds, or a duration such as `'730d'` (2 years). */
  device_cookie_max_age?: number | string;
  /** HMAC key of the device cookie (at least 16 bytes; default: derived from `token`). */
  device_secret?: string;
  /** @deprecated use `trusted_proxies`. */
  trust_proxy?: TrustProxy;
  /** @deprecated use the `block_*` options. */
  block?: BlockOptions;
  /** Automatic mode: track passport-local and passport-http logins with no extra code. */
  passport?: boolean;
  /** Default deadline of flush() and close() (5000 ms). */
  flush_timeout_ms?: number;
  /** Deadline of the flush on 'beforeExit' (2000 ms). */
  exit_flush_timeout_ms?: number;
}

export interface AuthTrackOptions {
  /** Failures only: whether the account exists (tells enumeration from brute force). */
  exists?: boolean;
}

export interface TrackOptions {
  properties?: Record<string, string | number | boolean>;
  user_identifiers?: UserIdentifiers;
  timestamp?: Date | number;
  request?: IncomingMessage;
}

export interface Normalized {
  ids: Record<string, string>;
  primary: string;
  key: string;
}

export interface Stats {
  queued: number;
  enqueued: number;
  dropped: number;
  sent: number;
  batches_sent: number;
  retried: number;
  failed_batches: number;
  failed_events: number;
  decision_polls: number;
  decisions: number;
  ip_map: number;
  last_error: string | null;
}

/** What `assess` says about a request: let it through, ask for proof, or refuse it. */
export type Verdict = 'allow' | 'challenge' | 'deny';

/** How a challenge went, for `challenge_track`. */
export type ChallengeResult = 'requested' | 'succeeded' | 'failed';

export interface Assessment {
  verdict: Verdict;
  /** The reasons of the decisions behind the verdict, the user's first (empty for allow). */
  reasons: string[];
  /** The decision that speaks for the verdict (the block reference); null for allow. */
  decisionId: string | null;
}

/** Errors thrown for invalid arguments carry the core's stable code (e.g. `empty_value`). */
export interface VigilError extends Error {
  code: string;
}

export interface RequestApi {
  identify(ids: UserIdentifiers, traits?: Record<string, string>): void;
  userIsBanned(): boolean;
  signup_track(ids: UserIdentifiers): boolean;
  auth_track(success: boolean, ids: UserIdentifiers, options?: AuthTrackOptions): boolean;
  track(event: string, options?: Omit<TrackOptions, 'request'>): boolean;
  assess(ids?: UserIdentifiers): Assessment;
  challenge_track(result: ChallengeResult, ids: UserIdentifiers): boolean;
}

declare module 'node:http' {
  interface IncomingMessage {
    vigil?: RequestApi;
    sqreen?: RequestApi;
  }
}

type Next = (err?: unknown) => void;
export interface Middleware {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  (options: StartOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void;
}

export function start(options?: StartOptions): boolean;
export function signup_track(ids: UserIdentifiers, req?: IncomingMessage): boolean;
export function auth_track(
  success: boolean,
  ids: UserIdentifiers,
  options?: AuthTrackOptions,
): boolean;
export function auth_track(
  req: IncomingMessage,
  success: boolean,
  ids: UserIdentifiers,
  options?: AuthTrackOptions,
): boolean;
export function identify(
  req: IncomingMessage,
  ids: UserIdentifiers,
  traits?: Record<string, string>,
): void;
export function identify(ids: UserIdentifiers, traits?: Record<string, string>): void;
export function userIsBanned(req?: IncomingMessage): boolean;
/**
 * The verdict on the request (its IP and device) for this user; with no identifiers, for the
 * user `identify` tied to it, else the user who last logged in from its IP. No I/O.
 */
export function assess(req?: IncomingMessage | null, ids?: UserIdentifiers): Assessment;
export function assess(ids?: UserIdentifiers): Assessment;
/** Records how a challenge went; throws a RangeError (`invalid_challenge_result`) otherwise. */
export function challenge_track(result: ChallengeResult, ids: UserIdentifiers): boolean;
export function challenge_track(
  req: IncomingMessage,
  result: ChallengeResult,
  ids: UserIdentifiers,
): boolean;
export function track(event: string, options?: TrackOptions): boolean;
export function alias(
  oldIds: UserIdentifiers,
  newIds: UserIdentifiers,
  req?: IncomingMessage,
): boolean;
export function normalize(
  ids: UserIdentifiers,
  options?: { pii_secret?: string; keep_email_domain?: boolean },
): Normalized;
export function flush(timeoutMs?: number): Promise<boolean>;
export function close(timeoutMs?: number): Promise<boolean>;
export function stats(): Stats;
export const middleware: Middleware;
export function instrumentPassport(
  Strategy: Function,
  loginOf: (strategy: unknown, req: IncomingMessage) => UserIdentifiers | undefined,
): void;
export function isLocal(): boolean;
export const signupTrack: typeof signup_track;
export const authTrack: typeof auth_track;
export const challengeTrack: typeof challenge_track;

declare const vigil: {
  start: typeof start;
  signup_track: typeof signup_track;
  auth_track: typeof auth_track;
  identify: typeof identify;
  userIsBanned: typeof userIsBanned;
  assess: typeof assess;
  challenge_track: typeof challenge_track;
  track: typeof track;
  alias: typeof alias;
  normalize: typeof normalize;
  flush: typeof flush;
  close: typeof close;
  stats: typeof stats;
  middleware: Middleware;
  instrumentPassport: typeof instrumentPassport;
  isLocal: typeof isLocal;
  signupTrack: typeof signup_track;
  authTrack: typeof auth_track;
  challengeTrack: typeof challenge_track;
};
export default vigil;

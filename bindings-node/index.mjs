// ES module entry: the CommonJS module's exports, named and as the default.
import vigil from './index.js';

export const {
  start,
  signup_track,
  auth_track,
  identify,
  userIsBanned,
  track,
  alias,
  normalize,
  flush,
  close,
  stats,
  middleware,
  instrumentPassport,
  isLocal,
  signupTrack,
  authTrack,
} = vigil;
export default vigil;

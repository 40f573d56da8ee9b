// ES module entry: the CommonJS module's exports, named and as the default.
import vigil from './index.js';

export const {
  start,
  signup_track,
  auth_track,
  identify,
  userIsBanned,
  assess,
  challenge_track,
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
  challengeTrack,
} = vigil;
export default vigil;

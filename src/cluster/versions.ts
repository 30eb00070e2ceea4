/**
 * versions — the original's version increment rule.
 *
 *   v := v + 1; if v < floor then v := floor        (floor = _min_config_version, at least 10)
 *
 * So the first increment of a fresh version (1) lands on 10; versions below 10 mean "no valid
 * table" to data servers and clients, and 1 with 1 means "go solitary" (solitaryVersion).
 * Transition versions travel in 24 bits: at 2^23 they restart from 0, then take the floor.
 *
 * Versions never go backwards as data servers and clients see them: when a data server holds a
 * higher server version than ours (our table file was lost or moved aside, or a new primary
 * took over), the next versions jump past it by versionJumpStep (jumpPast).
 */
import { transitionVersionMax } from '../protocol/index.js';

/** solitaryVersion — client and server version 1 together tell a data server to stop serving. */
export const solitaryVersion = 1;
/** initialVersion — the versions of a group that has never been built (as the original's new file). */
export const initialVersion = 1;

const u32Max = 0xffff_ffff;
const transitionWrap = (transitionVersionMax + 1) / 2;

/** bumpVersion — the next client, server, plugins or area-capacity version. */
export function bumpVersion(version: number, floor: number): number {
  // A u32 on the wire: past the top it starts again at the floor rather than at a tiny value.
  const next = version >= u32Max ? 0 : version + 1;
  return next < floor ? floor : next;
}

/** versionJumpStep — the original's `server_up_inc_step`: how far past a data server's version a jump lands. */
export const versionJumpStep = 100;

/** jumpPast — `version` + step from the higher of ours and `floor` (a u32: past the top it lands on `step`). */
export function jumpPast(version: number, floor: number, step: number): number {
  const base = Math.max(version, floor);
  return base + step > u32Max ? step : base + step;
}

/** bumpTransitionVersion — the next transition version (24-bit field, reset at 2^23). */
export function bumpTransitionVersion(version: number, floor: number): number {
  const base = version >= transitionWrap ? 0 : version;
  return bumpVersion(base, Math.min(floor, transitionWrap - 1));
}

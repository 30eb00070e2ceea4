/**
 * live-positions — the live servers numbered 0..n-1 in server order, for the flows over servers
 * (master-flow.ts, role-trades.ts): a node per live server, and back from a node to its server.
 */
import { aliveCount, alivePtr, serverCount } from './context';
import { stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Set, u8Get } from '../layout';

/** livePositionPtr — u32 per server index (1..serverCount): its position among the live ones. */
export let livePositionPtr: usize = 0;
/** liveServerAtPtr — u32 per position: the server index there. */
export let liveServerAtPtr: usize = 0;

/** mapLivePositions — number the live servers in scratch memory; returns how many there are. */
export function mapLivePositions(): u32 {
  livePositionPtr = scratchAlloc(<usize>(serverCount + 1) << 2);
  liveServerAtPtr = scratchAlloc(<usize>(aliveCount + 1) << 2);
  let positions: u32 = 0;
  for (let server: u32 = 1; server <= serverCount; server++) {
    if (u8Get(alivePtr, server) == 0) continue;
    u32Set(livePositionPtr, server, positions);
    u32Set(liveServerAtPtr, positions++, server);
  }
  stepsAdd(serverCount);
  return positions;
}

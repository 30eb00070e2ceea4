/**
 * not-ready-replies — what a config server of the pair answers while it must not serve tables:
 * starting, pulling its state, or a woken primary not yet sure it still is one. All zeros, as the
 * original answers before it is ready: versions 0 are below 10, so data
 * servers and clients keep what they hold and ask the other config server.
 */
import type { GetGroupResponse, HeartbeatResponse, ResponseExtension } from '../protocol/index.js';
import { emptyHeartbeatResponse } from '../protocol/index.js';

const emptyBlob = Buffer.alloc(0);

/** notReadyHeartbeatResponse — a 104 that changes nothing at the data server. */
export function notReadyHeartbeatResponse(): HeartbeatResponse {
  return emptyHeartbeatResponse();
}

/** notReadyGetGroupResponse — a 1102 a client reads as "not this one". */
export function notReadyGetGroupResponse(): GetGroupResponse {
  return { bucketCount: 0, copyCount: 0, configVersion: 0, groupParams: [], tableBlob: emptyBlob, availableServerIds: [] };
}

/** notReadyHeartbeatFor — the 104 while not serving, with our extension if the request had one. */
export function notReadyHeartbeatFor(withExtension: boolean, extension: () => ResponseExtension): HeartbeatResponse {
  const response = notReadyHeartbeatResponse();
  if (withExtension) response.extension = extension();
  return response;
}

/** notReadyGetGroupFor — the 1102 while not serving, with our extension if the request had one. */
export function notReadyGetGroupFor(withExtension: boolean, extension: () => ResponseExtension): GetGroupResponse {
  const response = notReadyGetGroupResponse();
  if (withExtension) response.extension = extension();
  return response;
}

/**
 * shared-bytes — how big inputs reach the codec worker without a long copy on the event loop:
 * copied into one SharedArrayBuffer, at most quorumCopyStepBytes per turn of the event loop
 * (a postMessage of an ordinary 36 MiB array would copy it all in one synchronous call).
 *
 *   parts ─▶ SharedArrayBuffer [part 0 | pad to 8 | part 1 | pad | …] ─▶ views of the parts
 *             copy ≤ step bytes ─ setImmediate ─ copy ≤ step bytes ─ …
 *
 * Views of a SharedArrayBuffer cross to a worker and back without any copy, so a table shared
 * once is never copied again: the codec's results (tables the worker built) are shared already.
 * A CopyMeter counts the turns and the most bytes one turn copied, for tests to assert on.
 */
import { quorumCopyStepBytes } from '../limits.js';
import type { PersistedGroupTable } from '../store/persisted-table.js';

/** CopyMeter — what the stepped copies cost the event loop. */
export interface CopyMeter {
  /** turns — event-loop turns that copied something. */
  turns: number;
  /** bytesPerTurnMax — the most bytes copied in one turn. */
  bytesPerTurnMax: number;
  /** bytes — everything copied. */
  bytes: number;
}

/** newCopyMeter — a meter at zero. */
export function newCopyMeter(): CopyMeter {
  return { turns: 0, bytesPerTurnMax: 0, bytes: 0 };
}

/** isShared — the view lives in a SharedArrayBuffer. */
export function isShared(view: ArrayBufferView): boolean {
  return view.buffer instanceof SharedArrayBuffer;
}

/** isSharedTable — every array of the table lives in shared memory. */
export function isSharedTable(table: PersistedGroupTable): boolean {
  return isShared(table.current) && isShared(table.progress) && isShared(table.destination);
}

/** shareBytes — the parts copied into one SharedArrayBuffer (see the file comment); views of them, in order. */
export async function shareBytes(parts: readonly Uint8Array[], meter: CopyMeter, stepBytes = quorumCopyStepBytes): Promise<Uint8Array[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const part of parts) {
    offsets.push(total);
    total += align8(part.length);
  }
  const target = new Uint8Array(new SharedArrayBuffer(Math.max(8, total)));
  let turnBytes = 0;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    for (let done = 0; done < part.length; ) {
      if (turnBytes === stepBytes) {
        endTurn(meter, turnBytes);
        turnBytes = 0;
        await nextTurn();
      }
      const length = Math.min(part.length - done, stepBytes - turnBytes);
      target.set(part.subarray(done, done + length), offsets[index] + done);
      done += length;
      turnBytes += length;
    }
  }
  if (turnBytes > 0) endTurn(meter, turnBytes);
  return parts.map((part, index) => target.subarray(offsets[index], offsets[index] + part.length));
}

/** shareTable — the table with its three arrays in shared memory: itself when they are already, else a stepped copy. */
export async function shareTable(table: PersistedGroupTable, meter: CopyMeter): Promise<PersistedGroupTable> {
  if (isSharedTable(table)) return table;
  const arrays = [table.current, table.progress, table.destination];
  const bytes = await shareBytes(
    arrays.map((array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)),
    meter,
  );
  const [current, progress, destination] = bytes.map((view) => new Uint32Array(view.buffer, view.byteOffset, view.byteLength / 4));
  return { ...table, servers: [...table.servers], versions: { ...table.versions }, current, progress, destination };
}

function endTurn(meter: CopyMeter, bytes: number): void {
  meter.turns += 1;
  meter.bytes += bytes;
  meter.bytesPerTurnMax = Math.max(meter.bytesPerTurnMax, bytes);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function align8(value: number): number {
  return Math.ceil(value / 8) * 8;
}

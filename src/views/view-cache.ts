/**
 * view-cache — the compressed tables each group serves, rebuilt once per
 * publication, never per request and never per finished bucket (the original recompressed the
 * whole table at every finished bucket, so a full migration cost O(B²·C)):
 *
 *   client view        zlib(current)                    get_group (1102)
 *   data-server view   zlib(current ‖ destination)      heartbeat (104)
 *
 * Compression runs on libuv's thread pool (async zlib), so a big table does not stall replies;
 * `install` swaps a group's views in one synchronous step.
 */
import { deflate } from 'node:zlib';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import type { Publication } from '../cluster/index.js';
import { dataServerView } from '../protocol/index.js';

const deflateAsync = promisify(deflate);
const hostIsLittleEndian = endianness() === 'LE';
const emptyBlob = Buffer.alloc(0);

/** GroupViews — one publication's blobs. */
export interface GroupViews {
  seq: number;
  clientBlob: Buffer;
  dataServerBlob: Buffer;
}

/** compressViews — both blobs of a publication. */
export async function compressViews(publication: Publication): Promise<GroupViews> {
  const [clientBlob, dataServerBlob] = await Promise.all([
    compressIds(publication.currentIds),
    compressIds(dataServerView(publication.currentIds, publication.destinationIds)),
  ]);
  return { seq: publication.seq, clientBlob, dataServerBlob };
}

/** ViewCache — the views in force, by group name. */
export class ViewCache {
  private readonly views = new Map<string, GroupViews>();

  /** install — make `views` the group's served views (an older publication never replaces a newer one). */
  install(groupName: string, views: GroupViews): void {
    const present = this.views.get(groupName);
    if (!present || present.seq <= views.seq) this.views.set(groupName, views);
  }

  /** forget — drop a group's views (it was unloaded, or is being loaded afresh). */
  forget(groupName: string): void {
    this.views.delete(groupName);
  }

  /** clientBlob — the group's client view, empty when unknown. */
  clientBlob(groupName: string): Buffer {
    return this.views.get(groupName)?.clientBlob ?? emptyBlob;
  }

  /** dataServerBlob — the group's data-server view, empty when unknown. */
  dataServerBlob(groupName: string): Buffer {
    return this.views.get(groupName)?.dataServerBlob ?? emptyBlob;
  }
}

async function compressIds(ids: BigUint64Array): Promise<Buffer> {
  if (isAllZero(ids)) return emptyBlob;
  const raw = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
  return deflateAsync(hostIsLittleEndian ? raw : Buffer.from(raw).swap64());
}

function isAllZero(ids: BigUint64Array): boolean {
  const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length * 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}

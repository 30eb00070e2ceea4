/**
 * original-file — builds an original Tair `<group>_server_table` file byte by byte,
 * independently of the importer: 36-byte little-endian header, then three u64[C·B] tables.
 */

/** OriginalFileSpec — the fields of the header and the three tables as u64 server ids. */
export interface OriginalFileSpec {
  magic?: number;
  versions?: [client: number, server: number, plugins: number, areaCapacity: number];
  lastLoadConfigTime?: number;
  migrateBlockCount?: number;
  bucketCount: number;
  copyCount: number;
  current: bigint[];
  progress: bigint[];
  destination: bigint[];
}

/** ipPortId — `(port << 32) | a | b << 8 | c << 16 | d << 24` for a.b.c.d:port. */
export function ipPortId(a: number, b: number, c: number, d: number, port: number): bigint {
  return (BigInt(port) << 32n) | BigInt(a) | (BigInt(b) << 8n) | (BigInt(c) << 16n) | (BigInt(d) << 24n);
}

/** buildOriginalFile — the bytes of an original table file. */
export function buildOriginalFile(spec: OriginalFileSpec): Buffer {
  const slotCount = spec.bucketCount * spec.copyCount;
  const bytes = Buffer.alloc(36 + 24 * slotCount);
  const [client, server, plugins, area] = spec.versions ?? [1, 1, 1, 1];
  bytes.writeUInt32LE(spec.magic ?? 0x31766257, 0);
  bytes.writeUInt32LE(client, 4);
  bytes.writeUInt32LE(server, 8);
  bytes.writeUInt32LE(plugins, 12);
  bytes.writeUInt32LE(area, 16);
  bytes.writeUInt32LE(spec.lastLoadConfigTime ?? 0, 20);
  bytes.writeInt32LE(spec.migrateBlockCount ?? -1, 24);
  bytes.writeUInt32LE(spec.copyCount, 28);
  bytes.writeUInt32LE(spec.bucketCount, 32);
  [spec.current, spec.progress, spec.destination].forEach((table, index) => {
    table.forEach((id, slot) => bytes.writeBigUInt64LE(id, 36 + 8 * (index * slotCount + slot)));
  });
  return bytes;
}

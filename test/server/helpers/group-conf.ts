/**
 * group-conf — group.conf text for server tests.
 */

/** GroupConfOptions — the keys tests vary. */
export interface GroupConfOptions {
  ports: number[];
  bucketCount?: number;
  copyCount?: number;
  acceptStrategy?: 0 | 1;
  serverDownTimeS?: number;
  minDataServerCount?: number;
}

/** groupConfText — one group, `group_1`, with the data servers on 127.0.0.1 at `ports`. */
export function groupConfText(options: GroupConfOptions): string {
  return [
    '[group_1]',
    `_bucket_number = ${options.bucketCount ?? 64}`,
    `_copy_count = ${options.copyCount ?? 2}`,
    ...options.ports.map((port) => `_server_list = 127.0.0.1:${port}`),
    `_accept_strategy = ${options.acceptStrategy ?? 1}`,
    `_server_down_time = ${options.serverDownTimeS ?? 1}`,
    `_min_data_server_count = ${options.minDataServerCount ?? 2}`,
    '_areaCapacity_list = 0,3000000;',
    'group_status = on',
    '',
  ].join('\n');
}

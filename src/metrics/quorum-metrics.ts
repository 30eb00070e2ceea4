/**
 * quorum-metrics — the scrape-time gauges of quorum mode (coordination = etcd), added to a
 * config server's registry only in that mode:
 *
 *   tair_cs_quorum_leader                 1 while this server leads (builds and publishes)
 *   tair_cs_quorum_epoch                  our epoch while leading, else the last leader's
 *   tair_cs_quorum_etcd{state}            1 for etcd's reach now (connected, no-quorum, unreachable, …)
 *   tair_cs_quorum_read_only              1 while etcd cannot be used: serving the last tables
 *   tair_cs_quorum_committed_version{group}  the etcd sequence of the committed table held
 */
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { EtcdReach, QuorumHealth } from '../quorum/quorum-health.js';

const reaches: readonly EtcdReach[] = ['connecting', 'connected', 'no-quorum', 'refused', 'unreachable'];

/** addQuorumGauges — register the gauges above; `quorumNow` is read once per collect. */
export function addQuorumGauges(registry: Registry, quorumNow: () => QuorumHealth | null): void {
  const registers = [registry];
  new Gauge({
    name: 'tair_cs_quorum_leader',
    help: 'Quorum mode: 1 while this config server is the leader',
    registers,
    collect() {
      this.set(quorumNow()?.role === 'leader' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tair_cs_quorum_epoch',
    help: "Quorum mode: our epoch while leading, else the last leader's",
    registers,
    collect() {
      this.set(Number(quorumNow()?.epoch ?? 0n));
    },
  });
  new Gauge<'state'>({
    name: 'tair_cs_quorum_etcd',
    help: 'Quorum mode: how etcd is reached now (1 for the state in force)',
    labelNames: ['state'],
    registers,
    collect() {
      const reach = quorumNow()?.etcd;
      for (const state of reaches) this.set({ state }, state === reach ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tair_cs_quorum_read_only',
    help: 'Quorum mode: 1 while etcd cannot be used (serving the last committed tables, publishing nothing)',
    registers,
    collect() {
      this.set(quorumNow()?.readOnly === false ? 0 : 1);
    },
  });
  new Gauge<'group'>({
    name: 'tair_cs_quorum_committed_version',
    help: 'Quorum mode: the etcd sequence of the committed table held, by group',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      for (const [group, sequence] of Object.entries(quorumNow()?.sequences ?? {})) this.set({ group }, sequence);
    },
  });
}

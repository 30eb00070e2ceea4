/**
 * Scenario transcripts of the cluster state machine: each scenarios/*.txt runs
 * through ScenarioRunner and its transcript must match scenarios/__transcripts__/<name>.txt.
 * A behaviour change shows up as a diff of that file; `vitest -u` rewrites it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ScenarioRunner } from './harness/scenario-runner.js';

const folder = join(import.meta.dirname, 'scenarios');

describe('cluster scenarios', () => {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.txt'))) {
    test(file, async () => {
      const transcript = new ScenarioRunner().run(readFileSync(join(folder, file), 'utf8'));
      await expect(transcript).toMatchFileSnapshot(join(folder, '__transcripts__', file));
    });
  }
});

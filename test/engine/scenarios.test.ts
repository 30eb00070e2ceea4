/**
 * Scenario transcripts: each file in scenarios/ holds commands and, below
 * `----`, the output they produce. A behaviour change shows up as a diff of these files;
 * `npx vitest run test/engine/scenarios.test.ts -u` rewrites them for review.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { runScenario, scenarioSeparator } from './scenario-runner.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.txt'))
  .sort();
const engine = new Engine();

describe('scenario transcripts', () => {
  it('there are some', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s', async (name) => {
    const path = join(folder, name);
    const text = readFileSync(path, 'utf8');
    expect(text.split(scenarioSeparator)[0].trim()).not.toBe('');
    await expect(runScenario(text, engine)).toMatchFileSnapshot(path);
  });
});

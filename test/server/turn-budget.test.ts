import { describe, expect, test } from 'vitest';
import { TurnBudget } from '../../src/server/turn-budget.js';

function manual(unitsMax: number, deferredCountMax = 100): { budget: TurnBudget; turns: (() => void)[] } {
  const turns: (() => void)[] = [];
  return { budget: new TurnBudget(unitsMax, deferredCountMax, (callback) => turns.push(callback)), turns };
}

describe('TurnBudget', () => {
  test('the first charge of a turn always may go; past the budget nothing until the next turn', () => {
    const { budget, turns } = manual(100);
    expect(budget.openNow()).toBe(true);
    budget.charge(250);
    expect(budget.openNow()).toBe(false);
    budget.charge(10);
    // One turn scheduled, however many charges.
    expect(turns).toHaveLength(1);
    turns.shift()?.();
    expect(budget.openNow()).toBe(true);
    budget.charge(60);
    expect(budget.openNow()).toBe(true);
    budget.charge(40);
    expect(budget.openNow()).toBe(false);
    expect(turns).toHaveLength(1);
  });

  test('deferred replies run first in later turns, in arrival order, each turn until its budget is spent', () => {
    const { budget, turns } = manual(100);
    budget.charge(100);
    const ran: number[] = [];
    for (let reply = 0; reply < 5; reply++) {
      const deferred = budget.defer(() => {
        ran.push(reply);
        budget.charge(40);
      });
      expect(deferred).toBe(true);
    }
    expect(budget.waiting).toBe(5);
    // While replies wait, a new one may not jump the queue even when the budget is open.
    turns.shift()?.();
    expect(ran).toEqual([0, 1, 2]);
    expect(budget.openNow()).toBe(false);
    turns.shift()?.();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(budget.waiting).toBe(0);
    turns.shift()?.();
    expect(budget.openNow()).toBe(true);
    expect(turns).toHaveLength(0);
  });

  test('a deferred reply that carries nothing lets the next one go in the same turn; the queue is bounded', () => {
    const { budget, turns } = manual(100, 3);
    budget.charge(100);
    const ran: number[] = [];
    for (let reply = 0; reply < 3; reply++) expect(budget.defer(() => ran.push(reply))).toBe(true);
    expect(budget.defer(() => ran.push(99))).toBe(false);
    turns.shift()?.();
    expect(ran).toEqual([0, 1, 2]);
    expect(turns).toHaveLength(0);
  });

  test('with the default turn, deferred replies run after setImmediate', async () => {
    const budget = new TurnBudget(1, 10);
    budget.charge(5);
    let ran = false;
    budget.defer(() => {
      ran = true;
    });
    expect(budget.openNow()).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(true);
    expect(budget.openNow()).toBe(true);
  });
});

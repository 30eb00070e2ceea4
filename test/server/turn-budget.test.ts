import { describe, expect, test } from 'vitest';
import { TurnBudget } from '../../src/server/turn-budget.js';

describe('TurnBudget', () => {
  test('the first charge of a turn always may go; past the budget nothing until the next turn', () => {
    const turns: (() => void)[] = [];
    const budget = new TurnBudget(100, (callback) => turns.push(callback));
    expect(budget.open()).toBe(true);
    budget.charge(250);
    expect(budget.open()).toBe(false);
    budget.charge(10);
    // One reset per turn, however many charges.
    expect(turns).toHaveLength(1);
    turns.shift()?.();
    expect(budget.open()).toBe(true);
    budget.charge(60);
    expect(budget.open()).toBe(true);
    budget.charge(40);
    expect(budget.open()).toBe(false);
    expect(turns).toHaveLength(1);
  });

  test('with the default turn, the budget is open again after setImmediate', async () => {
    const budget = new TurnBudget(1);
    budget.charge(5);
    expect(budget.open()).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.open()).toBe(true);
  });
});

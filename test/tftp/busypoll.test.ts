import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusyPoll } from '../../src/tftp/busypoll.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('tftp adaptive busy-polling', () => {
  it('polls after a DATA until the budget is spent, then sleeps', async () => {
    let now = 1_000_000;
    const p = new BusyPoll(100, () => now);
    p.sent();
    await tick();
    await tick();
    assert.ok(p.spins > 0, 'polling within the budget');
    now += 101;
    await tick();
    await tick();
    const spins = p.spins;
    await tick();
    await tick();
    assert.equal(p.spins, spins, 'stopped once the budget is spent');
  });

  it('does not poll for a client slower than the budget (smoothed turnaround, gain 1/8)', async () => {
    let now = 1_000_000;
    const p = new BusyPoll(100, () => now);
    p.sent();
    now += 500; // the ACK took 500 µs: a real network, a slow ROM
    p.acked();
    assert.equal(p.turnaroundUs, 500);
    p.stop();
    await tick();
    await tick();
    const spins = p.spins;
    p.sent();
    await tick();
    await tick();
    assert.equal(p.spins, spins, 'no polling for it');
    for (let i = 0; i < 40; i++) {
      now += 30; // then it answers in 30 µs: the estimate comes down, polling resumes
      p.acked();
      p.sent();
    }
    assert.ok(p.turnaroundUs < 100, `turnaround ${p.turnaroundUs}`);
    await tick();
    await tick();
    assert.ok(p.spins > spins);
    p.stop();
  });

  it('budget 0 turns it off', async () => {
    const p = new BusyPoll(0, () => 0);
    p.sent();
    await tick();
    await tick();
    assert.equal(p.spins, 0);
  });
});

import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from '../src/shared/bounded-queue.js';

describe('DropOldestQueue', () => {
  it('keeps the newest items, drops and hands back the oldest, counts drops', () => {
    const released: number[] = [];
    const q = new DropOldestQueue<number>(3, (n) => released.push(n));
    for (let i = 1; i <= 7; i++) q.push(i);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(4);
    expect(released).toEqual([1, 2, 3, 4]);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([5, 6, 7, undefined]);
  });

  it('stays FIFO across wrap-around and clears without counting drops', () => {
    const q = new DropOldestQueue<string>(2);
    q.push('a');
    q.push('b');
    expect(q.shift()).toBe('a');
    q.push('c');
    const cleared: string[] = [];
    q.clear((s) => cleared.push(s));
    expect(cleared).toEqual(['b', 'c']);
    expect(q.length).toBe(0);
    expect(q.dropped).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new DropOldestQueue(0)).toThrow(RangeError);
  });
});

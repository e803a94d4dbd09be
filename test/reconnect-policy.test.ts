/**
 * Both clients' reconnect rule (src/client/common/reconnect-policy.ts): which closes and refused
 * upgrades are tried again, and the backoff between tries.
 */
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/index.js';
import { Backoff, closeAction, upgradeStatusAction } from '../src/client/common/reconnect-policy.js';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS } from '../src/client/common/reconnect-policy.js';

describe('closeAction', () => {
  it.each([
    // The server's codes (PROTOCOL-NOTES.md §6.2).
    [CloseCode.END_OF_STREAM, 'ended'],
    [CloseCode.GOING_AWAY, 'reconnect'],
    [CloseCode.POLICY, 'refused'],
    [CloseCode.TOO_BIG, 'refused'],
    [CloseCode.SOURCE_FAILED, 'refused'],
    [CloseCode.TRY_AGAIN_LATER, 'reconnect'],
    // A dropped socket (no close frame), and what a restarting server or a gateway may send.
    [1006, 'reconnect'],
    [1012, 'reconnect'],
    [1014, 'reconnect'],
    // A frame the other end could not read: the same client would send it again.
    [1002, 'refused'],
    [1003, 'refused'],
    [1007, 'refused'],
    // Any other close is a lost connection (§6.2): the browser's own drop (4000) comes back.
    [4000, 'reconnect'],
    [1005, 'reconnect'],
  ] as const)('%i → %s', (code, action) => {
    expect(closeAction(code)).toBe(action);
  });

  it('names every code the server sends', () => {
    const named = new Set(Object.values(CloseCode));
    expect([...named].sort()).toEqual([1000, 1001, 1008, 1009, 1011, 1013]);
  });
});

describe('upgradeStatusAction', () => {
  it.each([
    [401, 'refused'], [403, 'refused'], [404, 'refused'], [426, 'refused'], [400, 'refused'],
    [408, 'reconnect'], [429, 'reconnect'], [500, 'reconnect'], [502, 'reconnect'], [503, 'reconnect'], [504, 'reconnect'],
  ] as const)('HTTP %i → %s', (status, action) => {
    expect(upgradeStatusAction(status)).toBe(action);
  });
});

describe('Backoff', () => {
  it('starts quick, doubles to the cap, stays there, and starts over on reset', () => {
    const b = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    b.reset();
    expect(b.next()).toBe(250);
  });
});

/**
 * Why a connect failed, said for the user (src/client/terminal/connect-failure.ts): the common
 * errno codes in plain words, an unknown code still named, a refused upgrade with what to do.
 */
import { describe, expect, it } from 'vitest';
import { networkFailure, upgradeRefusal } from '../src/client/terminal/connect-failure.js';

describe('networkFailure', () => {
  it('says the common codes in plain words, the code kept in brackets', () => {
    const said = (code: string): string => networkFailure({ code, message: `connect ${code} 127.0.0.1:9` });
    expect(said('ECONNREFUSED')).toBe('server not answering (connection refused)');
    expect(said('ETIMEDOUT')).toBe('server not answering (timed out)');
    expect(said('ECONNRESET')).toBe('connection dropped by the server or the network (connection reset)');
    expect(said('EHOSTUNREACH')).toBe("server's machine unreachable (no route to host)");
    expect(said('ENOTFOUND')).toBe('server name not found (no such host)');
    expect(said('EAI_AGAIN')).toBe('server name not found (name lookup failed for now)');
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']) expect(said(code)).not.toMatch(/\bE[A-Z_]+\b/);
  });

  it('names an unknown code as a failed connection, and gives a message with no code as it is', () => {
    expect(networkFailure({ code: 'EPROTO', message: 'write EPROTO' })).toBe('connection failed (EPROTO)');
    expect(networkFailure({ message: 'Opening handshake has timed out' })).toBe('Opening handshake has timed out');
  });
});

describe('upgradeRefusal', () => {
  it('says what to do about 401 and 403; other statuses as they are', () => {
    expect(upgradeRefusal(401)).toBe('HTTP 401: a valid token is required (add ?token=<secret> to the URL)');
    expect(upgradeRefusal(403)).toMatch(/^HTTP 403: .*token/);
    expect(upgradeRefusal(502)).toBe('HTTP 502');
    // The server's own line, where it sent one: a Host it does not answer without a token has nothing to do with a token in the URL.
    expect(upgradeRefusal(403, 'host "mybox:8360" is not this machine\'s: open the server as 127.0.0.1 or localhost, or give it a --token\n')).toBe('HTTP 403: host "mybox:8360" is not this machine\'s: open the server as 127.0.0.1 or localhost, or give it a --token');
    expect(upgradeRefusal(502, '<html>\n<body>Bad Gateway</body>')).toBe('HTTP 502');
    // A proxy's HTML refusal: the usual cause, not "<html>"; control characters never reach the terminal.
    expect(upgradeRefusal(403, '<html>\r\n<head><title>403 Forbidden</title></head>')).toMatch(/^HTTP 403: from here the server wants its token/);
    expect(upgradeRefusal(403, 'no\x1b[2Jway\x9b0m')).toBe('HTTP 403: no [2Jway 0m');
  });
});

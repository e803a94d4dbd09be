/**
 * A server's URL as a client may print it: in an error line, a log or a status line, which end up
 * in screenshots and bug reports. The secret it may carry (`?token=`, a user and password) is
 * replaced, so a wrong token is not echoed back and a right one does not leak.
 */
export function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: whatever follows a `token=` goes all the same.
    return url.replace(/([?&]token=)[^&#\s]*/gi, '$1…');
  }
  if (parsed.username || parsed.password) {
    parsed.username = '…';
    parsed.password = '';
  }
  if (parsed.searchParams.has('token')) parsed.searchParams.set('token', '…');
  return parsed.toString().replace(/token=%E2%80%A6/g, 'token=…').replace(/\/\/%E2%80%A6@/, '//…@');
}

/**
 * Hides credentials in a database URL (or any text that contains one) before it is
 * printed: `postgres://user:secret@host/db?password=secret&sslpassword=x` becomes
 * `postgres://user:***@host/db?password=***&sslpassword=***`. Every place that prints a
 * URL or a driver's error message goes through this one helper.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
const SECRET_PARAM = /([?&;](?:password|sslpassword|pass|pwd|secret|token|sslkey)=)[^&#\s'"]*/gi;

export function maskUrl(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => {
      let masked = url.replace(SECRET_PARAM, '$1***');
      // user:password@ in the authority part (the password may contain anything but '@' and '/').
      masked = masked.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
      return masked;
    })
    .replace(/(\bpassword\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}

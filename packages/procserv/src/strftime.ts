/** A small strftime(3) for procServ's `--timefmt` (local time, C locale). */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Formats `d` with the strftime conversions %a %A %b %B %c %C %d %D %e %F %H %I %j %m %M %n %p %R %s %S %t %T %u %w %x %X %y %Y %z %Z %%. */
export function strftime(fmt: string, d: Date = new Date()): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) { out += c; continue; }
    const k = fmt[++i]!;
    out += conv(k, d) ?? `%${k}`;
  }
  return out;
}

function conv(k: string, d: Date): string | undefined {
  switch (k) {
    case 'a': return DAYS[d.getDay()];
    case 'A': return FULL_DAYS[d.getDay()];
    case 'b': case 'h': return MONTHS[d.getMonth()];
    case 'B': return FULL_MONTHS[d.getMonth()];
    case 'c': return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${conv('T', d)} ${d.getFullYear()}`;
    case 'C': return p2(Math.floor(d.getFullYear() / 100));
    case 'd': return p2(d.getDate());
    case 'D': case 'x': return `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`;
    case 'e': return String(d.getDate()).padStart(2, ' ');
    case 'F': return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
    case 'H': return p2(d.getHours());
    case 'I': return p2(((d.getHours() + 11) % 12) + 1);
    case 'j': {
      const start = new Date(d.getFullYear(), 0, 1);
      return String(Math.floor((d.getTime() - start.getTime()) / 86400000) + 1).padStart(3, '0');
    }
    case 'm': return p2(d.getMonth() + 1);
    case 'M': return p2(d.getMinutes());
    case 'n': return '\n';
    case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
    case 'R': return `${p2(d.getHours())}:${p2(d.getMinutes())}`;
    case 's': return String(Math.floor(d.getTime() / 1000));
    case 'S': return p2(d.getSeconds());
    case 't': return '\t';
    case 'T': case 'X': return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    case 'u': return String(d.getDay() || 7);
    case 'w': return String(d.getDay());
    case 'y': return p2(d.getFullYear() % 100);
    case 'Y': return String(d.getFullYear());
    case 'z': {
      const off = -d.getTimezoneOffset();
      const a = Math.abs(off);
      return `${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
    }
    case 'Z': return Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? '';
    case '%': return '%';
    default: return undefined;
  }
}

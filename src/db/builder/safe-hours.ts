// The hours of the day in which building indexes is allowed ("2-5", "22-4", "1:30-4:45"), in a
// given IANA time zone or the local one.

export interface SafeHours {
  /** Minutes after midnight; the window starts here (inclusive)... */
  startMinute: number;
  /** ...and ends here (exclusive). Smaller than the start: the window spans midnight. */
  endMinute: number;
  /** As the user wrote it. */
  text: string;
}

export class SafeHoursError extends Error {
  override readonly name = 'SafeHoursError';
}

/**
 * `H-H` or `H:MM-H:MM`, 24-hour clock. The end is exclusive: "2-5" allows 02:00 to 04:59, "22-4"
 * allows 22:00 to 03:59, "0-24" the whole day.
 */
export function parseSafeHours(text: string): SafeHours {
  const match = /^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$/.exec(text);
  if (!match) throw new SafeHoursError(`Safe hours "${text}" are not a range of hours such as "2-5", "22-4" or "1:30-4:45".`);
  const minute = (h: string, m: string | undefined) => {
    const hours = Number(h);
    const minutes = Number(m ?? 0);
    if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) {
      throw new SafeHoursError(`Safe hours "${text}": ${h}${m ? `:${m}` : ''} is not a time of day (0 to 24).`);
    }
    return hours * 60 + minutes;
  };
  const startMinute = minute(match[1]!, match[2]) % (24 * 60);
  const endMinute = minute(match[3]!, match[4]);
  if (startMinute === endMinute % (24 * 60) && !(startMinute === 0 && endMinute === 24 * 60)) {
    throw new SafeHoursError(`Safe hours "${text}" start and end at the same time; use "0-24" for the whole day.`);
  }
  return { startMinute, endMinute, text: text.trim() };
}

/** Throws SafeHoursError for a time zone the runtime does not know. */
export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new SafeHoursError(`Unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin or UTC).`);
  }
}

/** Minutes after midnight of `date` in `timeZone` (default: the process's local time). */
export function minuteOfDay(date: Date, timeZone?: string): number {
  if (!timeZone) return date.getHours() * 60 + date.getMinutes();
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(date);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (value('hour') % 24) * 60 + value('minute');
}

export function isWithinSafeHours(window: SafeHours, date: Date, timeZone?: string): boolean {
  const now = minuteOfDay(date, timeZone);
  if (window.startMinute < window.endMinute) return now >= window.startMinute && now < window.endMinute;
  return now >= window.startMinute || now < window.endMinute;
}

export function describeSafeHours(window: SafeHours, timeZone?: string): string {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${hhmm(window.startMinute)}-${hhmm(window.endMinute)} ${timeZone ?? 'local time'}`;
}

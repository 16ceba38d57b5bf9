import { UserErrorCode } from '../schema/user-error';
import type { Problems } from './shared';

/**
 * R-YEAR-2, R-JOUR-3, R-JOUR-8: the grading system that validates a mark, as a write checks a value
 * against it — by code, whatever the case and Unicode form — for current marks and final marks.
 */
export interface Scale { name: string; values: Map<string, { id: string; code: string }>; timeZone: string }

/** One row per value of the grading system that applies (one row with null values when it has none). */
export interface ScaleRow { name: string; id: string | null; code: string | null; final_only: boolean | null; position: number | null; time_zone: string }

/** The scale from its rows, in their order; null when no grading system applies. Final-only values («осв», «н/а») count for final marks only. */
export function scaleFrom(rows: readonly ScaleRow[], o: { finalMarks: boolean }): Scale | null {
  if (!rows.length) return null;
  const values = new Map<string, { id: string; code: string }>();
  for (const r of rows) if (r.id && r.code && (o.finalMarks || !r.final_only)) values.set(r.code.toLocaleLowerCase('ru'), { id: r.id, code: r.code });
  return { name: rows[0].name, values, timeZone: rows[0].time_zone };
}

/** The value `raw` of the scale; else NO_GRADING_SYSTEM, or NOT_ON_SCALE naming the scale and its values. */
export function checkValue(p: Problems, scale: Scale | null, raw: unknown, field: string[], what = 'a mark'): { id: string; code: string } | null {
  if (!scale) {
    p.add(UserErrorCode.NO_GRADING_SYSTEM, 'No grading system is assigned to this subject and class: the administration assigns one', field);
    return null;
  }
  const text = String(raw ?? '').normalize('NFC').trim();
  const v = scale.values.get(text.toLocaleLowerCase('ru'));
  if (!v) {
    p.add(UserErrorCode.NOT_ON_SCALE, `«${text.slice(0, 20)}» is not ${what} of the grading system «${scale.name}» (${[...scale.values.values()].map((x) => x.code).join(', ')})`, field);
    return null;
  }
  return v;
}

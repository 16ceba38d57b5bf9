import { createHash, randomBytes } from 'node:crypto';

/** Random 256-bit bearer tokens; the database keeps only their SHA-256. */
export function newToken(prefix: 'otm_at' | 'otm_rt'): { token: string; hash: string } {
  const token = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Accepts "Bearer <token>" or the bare token. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

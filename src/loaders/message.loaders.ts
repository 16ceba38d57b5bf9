import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { boundRows } from '../db/bound';
import { leanRow } from '../db/lean';
import { Message, MessageThread } from '../entities/message.entity';
import { clock } from '../clock';
import { byIdLoader } from './by-id';
import { uuidArray } from './roster.loaders';

/** The (viewer, id) pairs of "userId|id" keys as uuid[] literals. */
function pairs(keys: readonly string[]): [string, string] {
  const p = keys.map((k) => k.split('|'));
  return [uuidArray(p.map((x) => x[0])), uuidArray(p.map((x) => x[1]))];
}

/**
 * DataLoaders of messages and acknowledgments (R-JOUR-12, R-DIARY-5). Whatever depends on the
 * viewer (participation in a thread, unread counts) is keyed "userId|threadId": one statement per
 * batch whatever the mix of viewers, and never one viewer's answer for another.
 */
export function createMessageLoaders(em: EntityManager) {
  return {
    messageThreadById: byIdLoader(em, MessageThread),
    messageById: byIdLoader(em, Message),
    /**
     * "userId|threadId" → how the user takes part in the thread today (STAFF, GUARDIAN, SELF; empty
     * when not at all): `message_thread_access_at`, the one definition (migration 0023).
     */
    threadParticipation: new DataLoader<string, string[]>(async (keys) => {
      const [users, ids] = pairs(keys);
      const rows = await boundRows<{ k: string; kinds: string[] }>(em,
        `select k.user_id || '|' || k.thread_id as k, array_agg(distinct a.participant) as kinds
           from unnest(?::uuid[], ?::uuid[]) k(user_id, thread_id)
           join message_thread_access_at(?::timestamptz) a on a.user_id = k.user_id and a.thread_id = k.thread_id
          group by 1`, [users, ids, clock.now().toISOString()]);
      const byKey = new Map(rows.map((r) => [r.k, r.kinds]));
      return keys.map((k) => byKey.get(k) ?? []);
    }),
    /** "userId|threadId" → messages of others the user has not read (written after their last `messageThreadRead`). */
    threadUnread: new DataLoader<string, number>(async (keys) => {
      const [users, ids] = pairs(keys);
      const rows = await boundRows<{ k: string; n: number }>(em,
        `select k.user_id || '|' || k.thread_id as k, count(m.id)::int as n
           from unnest(?::uuid[], ?::uuid[]) k(user_id, thread_id)
           left join message_read r on r.thread_id = k.thread_id and r.user_id = k.user_id
           join message m on m.thread_id = k.thread_id and m.author_id <> k.user_id and (r.read_at is null or m.sent_at > r.read_at)
          group by 1`, [users, ids]);
      const byKey = new Map(rows.map((r) => [r.k, Number(r.n)]));
      return keys.map((k) => byKey.get(k) ?? 0);
    }),
    /**
     * A page of a thread's messages, the newest first: key `threadId|first|sentAt|id` (the last two
     * the page's keyset cursor, empty for the first page), `first + 1` rows (the extra one tells
     * whether a next page exists). A list of threads with their messages is one statement.
     */
    threadMessages: new DataLoader<string, Message[]>(async (keys) => {
      const pages = keys.map((key) => {
        const [threadId, first, afterAt, afterId] = key.split('|');
        return { key, thread_id: threadId, n: Number(first) + 1, after_at: afterAt || null, after_id: afterId || null };
      });
      const rows = await boundRows<Record<string, unknown>>(em,
        `select m.*, k.key as "__key"
           from jsonb_to_recordset(?::jsonb) as k(key text, thread_id uuid, n int, after_at timestamptz, after_id uuid)
           cross join lateral (select * from message m where m.thread_id = k.thread_id
                                  and (k.after_at is null or (m.sent_at, m.id) < (k.after_at, k.after_id))
                                order by m.sent_at desc, m.id desc limit k.n) m
          order by k.key, m.sent_at desc, m.id desc`, [JSON.stringify(pages)]);
      const byKey = new Map<string, Message[]>();
      for (const { __key: key, ...row } of rows) {
        const list = byKey.get(String(key)) ?? [];
        list.push(leanRow(Message, row));
        byKey.set(String(key), list);
      }
      return keys.map((k) => byKey.get(k) ?? []);
    }),
    /** threadId → its latest message. */
    lastMessageByThread: new DataLoader<string, Message | null>(async (threadIds) => {
      const rows = await boundRows<Record<string, unknown>>(em,
        `select m.* from unnest(?::uuid[]) k(id) cross join lateral
           (select * from message m where m.thread_id = k.id order by m.sent_at desc, m.id desc limit 1) m`, [uuidArray(threadIds)]);
      const byThread = new Map(rows.map((r) => [String(r.thread_id), leanRow(Message, r)]));
      return threadIds.map((id) => byThread.get(id) ?? null);
    }),
  };
}

export type MessageLoaders = ReturnType<typeof createMessageLoaders>;

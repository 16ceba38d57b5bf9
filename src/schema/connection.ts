import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { Max, Min } from 'class-validator';
import { badInput } from './errors';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'More items follow `endCursor`.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Items precede `startCursor` (always false for forward-only pagination).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor?: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of the page; pass it as `after` for the next page.' })
  endCursor?: string | null;
}

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: `Page size, 1–${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'Cursor after which the page starts (`pageInfo.endCursor` of the previous page).' })
  after?: string | null;
}

export interface Edge<T> { cursor: string; node: T }
export interface Connection<T> { edges: Edge<T>[]; nodes: T[]; pageInfo: PageInfo; totalCount?: number }

/** Creates `<Name>Connection` and `<Name>Edge` types for a node type. */
export function ConnectionType<T extends object>(name: string, nodeType: ClassType<T>, description: string) {
  @ObjectType(`${name}Edge`, { description: `An edge of ${name}Connection.` })
  class EdgeClass {
    @Field(() => String, { description: 'Opaque cursor of this edge.' })
    cursor!: string;

    @Field(() => nodeType, { description: 'The item.' })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description })
  class ConnectionClass {
    @Field(() => [EdgeClass], { description: 'Edges of this page.' })
    edges!: Edge<T>[];

    @Field(() => [nodeType], { description: 'Items of this page (the edges\' nodes, for clients that need no cursors).' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Pagination information.' })
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

/** Opaque cursors over a keyset value (e.g. a sequence number or a sort key + id). */
export const encodeCursor = (key: unknown): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

export function decodeCursor<T>(cursor: string | null | undefined, check: (v: unknown) => v is T): T | null {
  if (cursor == null) return null;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    // A forged cursor may carry NUL, which no PostgreSQL text holds: refused like any bad cursor.
    const v = text.includes('\u0000') ? undefined : JSON.parse(text) as unknown;
    if (check(v)) return v;
  } catch {
    /* fall through */
  }
  throw badInput('"after" is not a valid cursor', 'after');
}

/** Builds a connection from `first + 1` fetched rows. */
export function toConnection<T>(rows: T[], first: number, cursorOf: (row: T) => unknown): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

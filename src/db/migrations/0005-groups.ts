import type { MigrationObject } from '@mikro-orm/core';

/** Migrations of this feature, in order (classes extending Migration from @mikro-orm/migrations). */
export const groupMigrations: MigrationObject[] = [];

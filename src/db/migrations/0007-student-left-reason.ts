import { Migration } from '@mikro-orm/migrations';

/** R-YEAR-11: the reason a student left is kept with the leaving date. */
export class Migration0007StudentLeftReason extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "student" add column "left_reason" text null;`);
  }
}

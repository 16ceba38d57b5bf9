import { Migration0001Foundation } from './0001-foundation';

/** Every migration, in order. Add new ones at the end; never edit an applied one. */
export const migrationsList = [
  { name: '0001-foundation', class: Migration0001Foundation },
];

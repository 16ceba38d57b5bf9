import type { AppConfig } from '../config';

/** Roster service. */
export class RosterService {
  constructor(private readonly config: AppConfig) {}
}

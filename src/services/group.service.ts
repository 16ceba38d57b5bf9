import type { AppConfig } from '../config';

/** Group service. */
export class GroupService {
  constructor(private readonly config: AppConfig) {}
}

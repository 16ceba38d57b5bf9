import type { AppConfig } from '../config';

export class TimetableService {
  constructor(private readonly config: AppConfig) {}
}

import type { AppConfig } from '../config';

export class DiaryService {
  constructor(private readonly config: AppConfig) {}
}

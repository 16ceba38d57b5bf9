import type { AppConfig } from '../config';

export class ControlWorkService {
  constructor(private readonly config: AppConfig) {}
}

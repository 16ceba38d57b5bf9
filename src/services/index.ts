import type { AppConfig } from '../config';
import { AuthService } from './auth.service';

/** Stateless services, created once per process; every method takes the operation's context. */
export function createServices(config: AppConfig) {
  return {
    auth: new AuthService(config),
  };
}
export type Services = ReturnType<typeof createServices>;

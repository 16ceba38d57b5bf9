/** The part of autocannon's API the reads benchmark uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** seconds */
      duration?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      /** responses whose body differs count as `mismatches` */
      expectBody?: string;
      /** responses for which it returns false count as `mismatches` */
      verifyBody?: (body: string) => boolean;
      /** seconds */
      timeout?: number;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }
    interface Result {
      /** seconds */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      '2xx': number;
      /** milliseconds */
      latency: Histogram;
      /** per second; `total` = completed requests */
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}

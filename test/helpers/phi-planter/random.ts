/** mulberry32: small, fast, and identical on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** Hands out canary tokens that never repeat within one Bundle. */
export class Canaries {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  private unique(make: () => string): string {
    for (;;) {
      const value = make();
      if (!this.used.has(value.toLowerCase())) {
        this.used.add(value.toLowerCase());
        return value;
      }
    }
  }
  /** A capitalised word such as `Zqxbalomi`. */
  word(): string {
    const consonants = 'bdfgklmnprstvz';
    const vowels = 'aeiou';
    return this.unique(() => {
      let word = 'Zqx';
      for (let i = 0; i < 3; i++) word += this.rng.pick([...consonants]) + this.rng.pick([...vowels]);
      return word;
    });
  }
  digits(length: number, first = '123456789'): string {
    return this.unique(() => {
      let digits = this.rng.pick([...first]);
      while (digits.length < length) digits += String(this.rng.int(0, 9));
      return digits;
    });
  }
  letters(length: number, alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ'): string {
    return this.unique(() => {
      let text = '';
      while (text.length < length) text += this.rng.pick([...alphabet]);
      return text;
    });
  }
  uuid(): string {
    return this.unique(() => {
      const hex = Array.from({ length: 32 }, () => this.rng.int(0, 15).toString(16));
      hex[12] = '4';
      hex[16] = this.rng.pick(['8', '9', 'a', 'b']);
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
  }
}

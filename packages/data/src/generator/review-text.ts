import type { ProductRecord } from '../records.ts';
import type { Rng } from './random.ts';

/** Review titles and bodies whose tone follows the rating and which mention the product's own specs. */

type Rating = 1 | 2 | 3 | 4 | 5;

const TITLES: Record<Rating, readonly string[]> = {
  1: ['Very disappointed', 'Would not buy again', 'Returned it', 'Not as described'],
  2: ['Not great', 'Expected more', 'Looks cheaper in person', 'Meh'],
  3: ['Does the job', 'Okay for the price', 'Mixed feelings', 'Decent but not perfect'],
  4: ['Really nice', 'Good quality', 'Happy with it', 'Very pleased'],
  5: ['Absolutely love it', 'Perfect!', 'Exactly what I wanted', 'Best purchase this year'],
};

const OPENERS: Record<Rating, readonly string[]> = {
  1: ['Sadly this was a letdown.', 'I really wanted to like this.', 'Not worth the money.'],
  2: ['It is fine, but only just.', 'A few issues with this one.', 'Underwhelming overall.'],
  3: ['It is okay.', 'Does what it says, nothing more.', 'Some good, some bad.'],
  4: ['Very happy with this.', 'Good value and well made.', 'Pretty much what I hoped for.'],
  5: ['Love it!', 'Could not be happier.', 'Superb quality.'],
};

const DETAILS: Record<Rating, readonly string[]> = {
  1: [
    'The {material} feels flimsy and the {colour} looks nothing like the photos.',
    'It broke within a week.',
    'Arrived damaged and customer service was slow.',
  ],
  2: [
    'The {colour} is duller than pictured.',
    'The {material} is thinner than I expected.',
    'Sizing runs off, so check the chart.',
  ],
  3: [
    'The {colour} is nice but the {material} could be better.',
    'Delivery was quick, quality is average.',
    'Good enough for occasional use.',
  ],
  4: [
    'The {colour} is lovely and the {material} feels solid.',
    'Well packaged and arrived early.',
    'Only wish it came in more colours.',
  ],
  5: [
    'The {colour} is gorgeous and the {material} feels premium.',
    'Already ordered a second one as a gift.',
    'Great finish, great price, fast delivery.',
  ],
};

const fill = (template: string, product: ProductRecord): string =>
  template
    .replace('{colour}', String(product.attributes['colour'] ?? 'colour').toLowerCase())
    .replace('{material}', String(product.attributes['material'] ?? 'material').toLowerCase());

export function reviewText(rating: Rating, product: ProductRecord, rng: Rng): { title: string; body: string } {
  const body = [rng.pick(OPENERS[rating]), fill(rng.pick(DETAILS[rating]), product)];
  if (rng.chance(0.4))
    body.push(rating >= 4 ? 'Recommended.' : rating <= 2 ? 'I would look elsewhere.' : 'Might suit some people.');
  return { title: rng.pick(TITLES[rating]), body: body.join(' ') };
}

/**
 * The shop's category tree. Leaves carry what the product generator needs to
 * make believable products for them: the kind of product (decides which specs
 * it has), nouns for titles, a price range in dollars, a relative share of the
 * catalogue, and how its image is drawn.
 */

export type ProductKind =
  | 'apparel'
  | 'footwear'
  | 'bag'
  | 'accessory'
  | 'jewellery'
  | 'furniture'
  | 'cookware'
  | 'decor'
  | 'textile'
  | 'electronics'
  | 'camping'
  | 'sports'
  | 'beauty'
  | 'toy';

/** Outlines the image renderer can draw for a product that has no geometric shape. */
export type Silhouette =
  | 'tshirt'
  | 'dress'
  | 'trousers'
  | 'jacket'
  | 'shoe'
  | 'boot'
  | 'bag'
  | 'backpack'
  | 'bottle'
  | 'tent'
  | 'laptop'
  | 'phone'
  | 'headphones'
  | 'watch'
  | 'ring'
  | 'ball'
  | 'dumbbell'
  | 'lamp'
  | 'chair'
  | 'pan'
  | 'mug'
  | 'mat';

/** Values of the `shape` attribute; drawn as such when a leaf offers them. */
export type GeometricShape = 'round' | 'square' | 'rectangular' | 'oval' | 'triangular' | 'hexagonal';

export interface LeafSpec {
  segment: string;
  name: string;
  kind: ProductKind;
  nouns: readonly string[];
  /** Typical price range in dollars for a mid-tier brand. */
  price: readonly [number, number];
  /** Relative share of the catalogue. */
  weight: number;
  silhouette: Silhouette;
  /** When present, products get a `shape` attribute from this list and the image draws it instead of the silhouette. */
  shapes?: readonly GeometricShape[];
}

export interface BranchSpec {
  segment: string;
  name: string;
  children: readonly (BranchSpec | LeafSpec)[];
}

export function isLeaf(node: BranchSpec | LeafSpec): node is LeafSpec {
  return 'kind' in node;
}

const leaf = (
  segment: string,
  name: string,
  kind: ProductKind,
  silhouette: Silhouette,
  price: readonly [number, number],
  nouns: readonly string[],
  weight = 1,
  shapes?: readonly GeometricShape[],
): LeafSpec =>
  shapes
    ? { segment, name, kind, silhouette, price, nouns, weight, shapes }
    : { segment, name, kind, silhouette, price, nouns, weight };

export const SHOP_TREE: readonly BranchSpec[] = [
  {
    segment: 'outdoor',
    name: 'Outdoor',
    children: [
      {
        segment: 'camping',
        name: 'Camping',
        children: [
          leaf(
            'tents',
            'Tents',
            'camping',
            'tent',
            [79, 449],
            ['Dome Tent', 'Backpacking Tent', 'Tunnel Tent', 'Family Tent'],
          ),
          leaf(
            'sleeping-bags',
            'Sleeping Bags',
            'camping',
            'bag',
            [39, 249],
            ['Mummy Sleeping Bag', 'Down Sleeping Bag', 'Rectangular Sleeping Bag'],
          ),
          leaf(
            'camp-kitchen',
            'Camp Kitchen',
            'cookware',
            'pan',
            [14, 129],
            ['Camping Stove', 'Titanium Pot', 'Camp Mug', 'Cook Set'],
          ),
        ],
      },
      {
        segment: 'hiking',
        name: 'Hiking',
        children: [
          leaf(
            'backpacks',
            'Backpacks',
            'bag',
            'backpack',
            [39, 229],
            ['Daypack', 'Trekking Backpack', 'Hydration Pack'],
            1.2,
          ),
          leaf(
            'hiking-boots',
            'Hiking Boots',
            'footwear',
            'boot',
            [69, 239],
            ['Hiking Boot', 'Trail Boot', 'Approach Shoe'],
          ),
          leaf(
            'water-bottles',
            'Water Bottles',
            'camping',
            'bottle',
            [9, 45],
            ['Insulated Bottle', 'Trail Bottle', 'Flask'],
          ),
        ],
      },
      {
        segment: 'cycling',
        name: 'Cycling',
        children: [
          leaf(
            'helmets',
            'Helmets',
            'sports',
            'ball',
            [29, 189],
            ['Road Helmet', 'Commuter Helmet', 'MTB Helmet'],
            0.7,
          ),
          leaf(
            'bike-lights',
            'Bike Lights',
            'electronics',
            'lamp',
            [12, 89],
            ['Front Light', 'Rear Light', 'Light Set'],
            0.6,
          ),
        ],
      },
    ],
  },
  {
    segment: 'home-kitchen',
    name: 'Home & Kitchen',
    children: [
      {
        segment: 'kitchen',
        name: 'Kitchen',
        children: [
          leaf(
            'cookware',
            'Cookware',
            'cookware',
            'pan',
            [19, 219],
            ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Wok', 'Skillet'],
            1.3,
            ['round', 'oval', 'square'],
          ),
          leaf(
            'tableware',
            'Tableware',
            'cookware',
            'mug',
            [8, 89],
            ['Dinner Plate', 'Serving Bowl', 'Mug', 'Platter'],
            1.2,
            ['round', 'square', 'oval', 'rectangular'],
          ),
          leaf(
            'coffee-tea',
            'Coffee & Tea',
            'cookware',
            'mug',
            [12, 149],
            ['French Press', 'Teapot', 'Pour-Over Set', 'Travel Mug'],
          ),
        ],
      },
      {
        segment: 'furniture',
        name: 'Furniture',
        children: [
          leaf(
            'chairs',
            'Chairs',
            'furniture',
            'chair',
            [59, 449],
            ['Dining Chair', 'Armchair', 'Accent Chair', 'Stool'],
          ),
          leaf(
            'tables',
            'Tables',
            'furniture',
            'chair',
            [89, 899],
            ['Coffee Table', 'Side Table', 'Dining Table', 'Desk'],
            1,
            ['round', 'square', 'rectangular', 'oval', 'hexagonal'],
          ),
          leaf(
            'storage',
            'Storage',
            'furniture',
            'chair',
            [19, 299],
            ['Storage Box', 'Bookcase', 'Basket', 'Shelf Unit'],
            1,
            ['square', 'rectangular', 'round'],
          ),
        ],
      },
      {
        segment: 'decor',
        name: 'Decor',
        children: [
          leaf('lamps', 'Lamps', 'decor', 'lamp', [24, 249], ['Table Lamp', 'Floor Lamp', 'Pendant Light']),
          leaf('vases', 'Vases', 'decor', 'bottle', [14, 119], ['Vase', 'Bud Vase', 'Planter'], 0.8, [
            'round',
            'oval',
            'square',
            'hexagonal',
            'triangular',
          ]),
          leaf('rugs', 'Rugs', 'textile', 'mat', [39, 499], ['Area Rug', 'Runner', 'Washable Rug'], 1, [
            'rectangular',
            'round',
            'oval',
            'square',
          ]),
          leaf('cushions', 'Cushions', 'textile', 'mat', [12, 69], ['Cushion', 'Throw Pillow', 'Floor Cushion'], 1, [
            'square',
            'round',
            'rectangular',
          ]),
        ],
      },
      {
        segment: 'bedding',
        name: 'Bedding',
        children: [
          leaf('duvet-covers', 'Duvet Covers', 'textile', 'mat', [39, 189], ['Duvet Cover Set', 'Quilt Cover'], 1, [
            'rectangular',
            'square',
          ]),
          leaf(
            'throws',
            'Throws & Blankets',
            'textile',
            'mat',
            [24, 149],
            ['Throw', 'Knitted Blanket', 'Fleece Blanket'],
            0.8,
            ['rectangular', 'square'],
          ),
        ],
      },
    ],
  },
  {
    segment: 'womens-fashion',
    name: "Women's Fashion",
    children: [
      {
        segment: 'clothing',
        name: 'Clothing',
        children: [
          leaf(
            'dresses',
            'Dresses',
            'apparel',
            'dress',
            [29, 189],
            ['Midi Dress', 'Wrap Dress', 'Shirt Dress', 'Maxi Dress', 'Slip Dress'],
            2,
          ),
          leaf('tops', 'Tops', 'apparel', 'tshirt', [14, 79], ['Blouse', 'T-Shirt', 'Tank Top', 'Knit Top'], 2),
          leaf(
            'jeans',
            'Jeans',
            'apparel',
            'trousers',
            [39, 149],
            ['Straight Jeans', 'Wide-Leg Jeans', 'Skinny Jeans', 'Mom Jeans'],
            1.3,
          ),
          leaf(
            'coats',
            'Coats & Jackets',
            'apparel',
            'jacket',
            [59, 349],
            ['Trench Coat', 'Wool Coat', 'Puffer Jacket', 'Denim Jacket'],
            1.2,
          ),
        ],
      },
      {
        segment: 'shoes',
        name: 'Shoes',
        children: [
          leaf(
            'sneakers',
            'Sneakers',
            'footwear',
            'shoe',
            [49, 169],
            ['Canvas Sneaker', 'Leather Sneaker', 'Platform Sneaker'],
            1.3,
          ),
          leaf('heels', 'Heels', 'footwear', 'shoe', [49, 229], ['Block Heel', 'Pump', 'Slingback', 'Mule'], 1),
          leaf('boots', 'Boots', 'footwear', 'boot', [69, 279], ['Ankle Boot', 'Chelsea Boot', 'Knee-High Boot'], 1),
        ],
      },
      {
        segment: 'accessories',
        name: 'Accessories',
        children: [
          leaf(
            'handbags',
            'Handbags',
            'bag',
            'bag',
            [39, 399],
            ['Tote Bag', 'Crossbody Bag', 'Shoulder Bag', 'Clutch'],
            1.3,
          ),
          leaf('scarves', 'Scarves', 'accessory', 'mat', [14, 89], ['Silk Scarf', 'Wool Scarf', 'Bandana'], 0.7, [
            'square',
            'rectangular',
          ]),
          leaf(
            'jewellery',
            'Jewellery',
            'jewellery',
            'ring',
            [19, 299],
            ['Ring', 'Pendant Necklace', 'Hoop Earrings', 'Bracelet'],
            1.1,
          ),
        ],
      },
    ],
  },
  {
    segment: 'mens-fashion',
    name: "Men's Fashion",
    children: [
      {
        segment: 'clothing',
        name: 'Clothing',
        children: [
          leaf(
            'shirts',
            'Shirts',
            'apparel',
            'tshirt',
            [29, 119],
            ['Oxford Shirt', 'Flannel Shirt', 'Linen Shirt', 'Overshirt'],
            1.5,
          ),
          leaf(
            't-shirts',
            'T-Shirts',
            'apparel',
            'tshirt',
            [12, 49],
            ['Crew-Neck T-Shirt', 'V-Neck T-Shirt', 'Pocket Tee', 'Polo Shirt'],
            1.6,
          ),
          leaf(
            'trousers',
            'Trousers',
            'apparel',
            'trousers',
            [34, 129],
            ['Chinos', 'Slim Jeans', 'Cargo Trousers', 'Joggers'],
            1.3,
          ),
          leaf(
            'jackets',
            'Jackets',
            'apparel',
            'jacket',
            [59, 329],
            ['Bomber Jacket', 'Field Jacket', 'Rain Jacket', 'Wool Overcoat'],
            1.1,
          ),
        ],
      },
      {
        segment: 'shoes',
        name: 'Shoes',
        children: [
          leaf(
            'sneakers',
            'Sneakers',
            'footwear',
            'shoe',
            [49, 179],
            ['Low-Top Sneaker', 'Retro Runner', 'Court Sneaker'],
            1.2,
          ),
          leaf('boots', 'Boots', 'footwear', 'boot', [79, 299], ['Chelsea Boot', 'Work Boot', 'Chukka Boot'], 0.9),
          leaf(
            'loafers',
            'Loafers',
            'footwear',
            'shoe',
            [59, 219],
            ['Penny Loafer', 'Suede Loafer', 'Driving Shoe'],
            0.6,
          ),
        ],
      },
      {
        segment: 'accessories',
        name: 'Accessories',
        children: [
          leaf(
            'watches',
            'Watches',
            'jewellery',
            'watch',
            [49, 599],
            ['Field Watch', 'Chronograph', 'Dress Watch', 'Dive Watch'],
            0.9,
          ),
          leaf(
            'wallets',
            'Wallets',
            'accessory',
            'bag',
            [19, 119],
            ['Bifold Wallet', 'Card Holder', 'Zip Wallet'],
            0.7,
          ),
          leaf('belts', 'Belts', 'accessory', 'mat', [19, 89], ['Leather Belt', 'Woven Belt', 'Reversible Belt'], 0.5, [
            'rectangular',
          ]),
        ],
      },
    ],
  },
  {
    segment: 'electronics',
    name: 'Electronics',
    children: [
      {
        segment: 'audio',
        name: 'Audio',
        children: [
          leaf(
            'headphones',
            'Headphones',
            'electronics',
            'headphones',
            [29, 399],
            ['Over-Ear Headphones', 'Wireless Earbuds', 'On-Ear Headphones'],
            1.3,
          ),
          leaf(
            'speakers',
            'Speakers',
            'electronics',
            'lamp',
            [29, 349],
            ['Bluetooth Speaker', 'Smart Speaker', 'Soundbar'],
            1,
            ['round', 'rectangular', 'oval', 'square'],
          ),
        ],
      },
      {
        segment: 'computers',
        name: 'Computers',
        children: [
          leaf(
            'laptops',
            'Laptops',
            'electronics',
            'laptop',
            [449, 2199],
            ['Ultrabook', 'Laptop', '2-in-1 Laptop'],
            0.8,
          ),
          leaf(
            'keyboards',
            'Keyboards',
            'electronics',
            'laptop',
            [29, 199],
            ['Mechanical Keyboard', 'Wireless Keyboard', 'Compact Keyboard'],
            0.8,
          ),
          leaf(
            'mice',
            'Mice',
            'electronics',
            'ball',
            [14, 129],
            ['Wireless Mouse', 'Ergonomic Mouse', 'Gaming Mouse'],
            0.7,
            ['oval'],
          ),
        ],
      },
      {
        segment: 'phones-tablets',
        name: 'Phones & Tablets',
        children: [
          leaf(
            'phone-cases',
            'Phone Cases',
            'electronics',
            'phone',
            [9, 49],
            ['Phone Case', 'Folio Case', 'Rugged Case'],
            1.2,
          ),
          leaf(
            'chargers',
            'Chargers & Cables',
            'electronics',
            'phone',
            [9, 79],
            ['USB-C Charger', 'Wireless Charger', 'Power Bank', 'Braided Cable'],
            1,
          ),
          leaf('tablets', 'Tablets', 'electronics', 'phone', [149, 999], ['Tablet', 'E-Reader', 'Drawing Tablet'], 0.6),
        ],
      },
    ],
  },
  {
    segment: 'sports',
    name: 'Sports',
    children: [
      {
        segment: 'fitness',
        name: 'Fitness',
        children: [
          leaf('yoga', 'Yoga', 'sports', 'mat', [14, 119], ['Yoga Mat', 'Yoga Block', 'Yoga Strap'], 1, [
            'rectangular',
            'square',
          ]),
          leaf(
            'weights',
            'Weights',
            'sports',
            'dumbbell',
            [19, 299],
            ['Dumbbell Pair', 'Kettlebell', 'Adjustable Dumbbell'],
            0.9,
          ),
          leaf(
            'activewear',
            'Activewear',
            'apparel',
            'tshirt',
            [19, 89],
            ['Training Tee', 'Leggings', 'Sports Bra', 'Track Jacket'],
            1.4,
          ),
        ],
      },
      {
        segment: 'team-sports',
        name: 'Team Sports',
        children: [
          leaf(
            'balls',
            'Balls',
            'sports',
            'ball',
            [14, 79],
            ['Football', 'Basketball', 'Volleyball', 'Rugby Ball'],
            0.8,
          ),
          leaf(
            'protective-gear',
            'Protective Gear',
            'sports',
            'jacket',
            [12, 99],
            ['Shin Guards', 'Goalkeeper Gloves', 'Knee Pads'],
            0.6,
          ),
        ],
      },
      {
        segment: 'running',
        name: 'Running',
        children: [
          leaf(
            'running-shoes',
            'Running Shoes',
            'footwear',
            'shoe',
            [69, 219],
            ['Road Running Shoe', 'Trail Running Shoe', 'Racing Flat'],
            1.2,
          ),
          leaf(
            'running-accessories',
            'Running Accessories',
            'sports',
            'watch',
            [9, 349],
            ['GPS Watch', 'Running Belt', 'Armband', 'Headlamp'],
            0.7,
          ),
        ],
      },
    ],
  },
  {
    segment: 'beauty',
    name: 'Beauty',
    children: [
      {
        segment: 'skincare',
        name: 'Skincare',
        children: [
          leaf(
            'moisturisers',
            'Moisturisers',
            'beauty',
            'bottle',
            [9, 89],
            ['Day Cream', 'Night Cream', 'Gel Moisturiser'],
            1,
          ),
          leaf(
            'cleansers',
            'Cleansers',
            'beauty',
            'bottle',
            [7, 45],
            ['Foaming Cleanser', 'Cleansing Balm', 'Micellar Water'],
            0.9,
          ),
          leaf(
            'serums',
            'Serums',
            'beauty',
            'bottle',
            [14, 129],
            ['Vitamin C Serum', 'Hyaluronic Serum', 'Retinol Serum'],
            0.9,
          ),
        ],
      },
      {
        segment: 'makeup',
        name: 'Makeup',
        children: [
          leaf('lipstick', 'Lipstick', 'beauty', 'bottle', [8, 45], ['Matte Lipstick', 'Lip Gloss', 'Tinted Balm'], 1),
          leaf('eyes', 'Eyes', 'beauty', 'bottle', [7, 59], ['Mascara', 'Eyeshadow Palette', 'Eyeliner'], 0.9, [
            'rectangular',
            'square',
            'round',
          ]),
        ],
      },
      leaf(
        'fragrance',
        'Fragrance',
        'beauty',
        'bottle',
        [29, 199],
        ['Eau de Parfum', 'Eau de Toilette', 'Body Mist'],
        0.9,
        ['rectangular', 'round', 'hexagonal', 'square'],
      ),
    ],
  },
  {
    segment: 'kids-toys',
    name: 'Kids & Toys',
    children: [
      leaf(
        'building-toys',
        'Building Toys',
        'toy',
        'tent',
        [9, 149],
        ['Building Set', 'Magnetic Tiles', 'Wooden Blocks'],
        0.8,
        ['square', 'triangular', 'hexagonal', 'rectangular'],
      ),
      leaf('plush', 'Plush Toys', 'toy', 'ball', [9, 59], ['Plush Bear', 'Plush Bunny', 'Plush Dinosaur'], 0.6),
      leaf(
        'outdoor-play',
        'Outdoor Play',
        'toy',
        'ball',
        [12, 199],
        ['Play Tent', 'Scooter', 'Water Blaster', 'Kite'],
        0.6,
        ['triangular', 'round', 'square'],
      ),
    ],
  },
];

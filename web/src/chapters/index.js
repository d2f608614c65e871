// The chapters in the lecture's order (DESIGN section 1).
import speed from './speed.js';
import distribution from './distribution.js';
import shift from './shift.js';
import noise from './noise.js';
import regularization from './regularization.js';
import inference from './inference.js';
import ics from './ics.js';
import images from './images.js';

export const chapters = [speed, distribution, shift, noise, regularization, inference, ics, images];

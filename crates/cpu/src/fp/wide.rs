//! A 128-bit-significand float used as the working precision of the
//! transcendental functions (truncating arithmetic, ~125 good bits).

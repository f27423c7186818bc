/* The guest program (guest/guest.c) as a flat binary, linked for
 * DEMO_GUEST_LOAD_GPA. guest_image.c is generated at build time by the
 * genrule in BUILD.bazel. */
#ifndef DEMO_GUEST_IMAGE_H
#define DEMO_GUEST_IMAGE_H

extern const unsigned char demo_guest_image[];
extern const unsigned int demo_guest_image_size;

#endif

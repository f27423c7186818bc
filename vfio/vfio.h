/* vmpci vfio: public interface (being written). */
#ifndef VMPCI_VFIO_H
#define VMPCI_VFIO_H
#endif

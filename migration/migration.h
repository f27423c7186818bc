/* vmpci migration: public interface (being written). */
#ifndef VMPCI_MIGRATION_H
#define VMPCI_MIGRATION_H
#endif

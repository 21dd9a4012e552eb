/* lock.c - placeholder */

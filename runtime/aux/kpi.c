/* json.c - placeholder */

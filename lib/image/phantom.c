/* Built-in test objects. */
#include "phantom.h"
#include "qev.h"

#include <math.h>
#include <string.h>

/* ---- USAF-1951-like bar target ---- */

/* Inside an element of bar width b at (x0, y0): three horizontal bars on the
 * left (5b wide, 5b tall), three vertical bars 2b to the right of them. */
static int in_element(double x, double y, double x0, double y0, double b)
{
    double u = (x - x0) / b, v = (y - y0) / b;
    if (v < 0 || v >= 5)
        return 0;
    if (u >= 0 && u < 5)
        return (int)floor(v) % 2 == 0;
    if (u >= 7 && u < 12)
        return (int)floor(u - 7) % 2 == 0;
    return 0;
}

static float usaf_at(double x, double y, uint32_t w, uint32_t h)
{
    /* Below 32 pixels the first bars are one pixel wide: narrower ones fall
       between pixel centres and leave the grid dark. */
    double size = w < h ? w : h, b = size >= 32 ? size / 40.0 : 1.0;
    double cx = size / 20.0, cy = size / 20.0;
    double row_h = 0;
    while (b >= 0.5) {
        double ew = 12 * b, eh = 5 * b;
        if (cx + ew > w - size / 20.0) { /* next row */
            cx = size / 20.0;
            cy += row_h + 2 * b;
            row_h = 0;
        }
        if (cy + eh > h)
            break;
        if (in_element(x, y, cx, cy, b))
            return 1;
        cx += ew + 3 * b;
        row_h = eh > row_h ? eh : row_h;
        b /= pow(2, 1.0 / 6);
    }
    return 0;
}

/* ---- discs ---- */

static float discs_at(double x, double y, uint32_t w, uint32_t h)
{
    static const struct {
        double cx, cy, r;
        float level;
    } inner[] = {{-0.18, -0.15, 0.14, 1.0f}, {0.2, -0.12, 0.1, 0.75f},
                 {-0.12, 0.2, 0.08, 0.25f},  {0.17, 0.2, 0.1, 0.0f}};
    double size = w < h ? w : h;
    double u = (x - w / 2.0) / size, v = (y - h / 2.0) / size;
    if (u * u + v * v > 0.45 * 0.45)
        return 0;
    for (size_t i = 0; i < sizeof inner / sizeof *inner; i++) {
        double du = u - inner[i].cx, dv = v - inner[i].cy;
        if (du * du + dv * dv <= inner[i].r * inner[i].r)
            return inner[i].level;
    }
    return 0.5f;
}

/* ---- letters: a 5 x 7 dot font, one byte per row, bit 4 the left column ---- */

static const unsigned char font[36][7] = {
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, /* A */
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, /* B */
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, /* C */
    {0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E}, /* D */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, /* E */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, /* F */
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, /* G */
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, /* H */
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, /* L */
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* N */
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* O */
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, /* P */
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, /* Q */
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, /* R */
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, /* S */
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, /* W */
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, /* X */
    {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04}, /* Y */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, /* Z */
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, /* 0 */
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* 1 */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, /* 2 */
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}, /* 3 */
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, /* 4 */
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}, /* 5 */
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, /* 6 */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, /* 8 */
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}, /* 9 */
};

/* The glyph of c, NULL for a space, or (void *)-1 when the font lacks it. */
static const unsigned char *glyph(char c)
{
    if (c >= 'A' && c <= 'Z')
        return font[c - 'A'];
    if (c >= 'a' && c <= 'z')
        return font[c - 'a'];
    if (c >= '0' && c <= '9')
        return font[26 + c - '0'];
    return c == ' ' ? NULL : (const unsigned char *)-1;
}

static const char *letters_text(const char *name)
{
    if (strcmp(name, "letters") == 0)
        return "QGI";
    if (strncmp(name, "letters:", 8) == 0 && name[8])
        return name + 8;
    return NULL;
}

static int text_valid(const char *text)
{
    for (const char *p = text; *p; p++)
        if (glyph(*p) == (const unsigned char *)-1)
            return 0;
    return strlen(text) <= 256;
}

/* Cells of 6 x 9 dots per character (a dot of space around each glyph),
 * scaled to fit and centred. */
static float letters_at(double x, double y, uint32_t w, uint32_t h, const char *text)
{
    size_t n = strlen(text);
    double dot = fmin(w / (6.0 * (double)n + 1), h / 9.0);
    double x0 = (w - dot * (6.0 * (double)n + 1)) / 2, y0 = (h - dot * 9) / 2;
    double cx = (x - x0) / dot, cy = (y - y0) / dot;
    if (cx < 1 || cy < 1)
        return 0;
    long col = (long)floor(cx - 1), row = (long)floor(cy - 1);
    size_t ch = (size_t)(col / 6);
    col %= 6;
    if (ch >= n || col >= 5 || row >= 7)
        return 0;
    const unsigned char *g = glyph(text[ch]);
    return g && g[row] >> (4 - col) & 1 ? 1.0f : 0.0f;
}

int qev_phantom_known(const char *name)
{
    const char *text = letters_text(name);
    return strcmp(name, "usaf") == 0 || strcmp(name, "discs") == 0 || (text && text_valid(text));
}

int qev_phantom(const char *name, uint32_t width, uint32_t height, float *out)
{
    if (!qev_phantom_known(name) || width < 1 || height < 1 || width > 65535 || height > 65535)
        return QEV_EINVAL;
    const char *text = letters_text(name);
    for (uint32_t j = 0; j < height; j++)
        for (uint32_t i = 0; i < width; i++) {
            double x = i + 0.5, y = j + 0.5;
            float v = text ? letters_at(x, y, width, height, text)
                      : name[0] == 'u' ? usaf_at(x, y, width, height)
                                       : discs_at(x, y, width, height);
            out[(size_t)j * width + i] = v;
        }
    return QEV_OK;
}

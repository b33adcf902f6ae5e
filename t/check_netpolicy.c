/*
 * Unit tests of the destination policy (netpolicy.c: address classes,
 * --allow-net and --allow-port) and of redirect targets (location.c).
 */

#include <sys/socket.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "http/http.h"
#include "run.h"

/* Addresses that are not global unicast, whatever their port. */
static const char *const inside[] = {
	"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.1.2.3",
	"100.64.0.1", "100.127.255.255", "169.254.169.254", "172.16.0.1",
	"172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1",
	"192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7",
	"203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
	"255.255.255.255",
	"::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:0:0",
	"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
	"fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
	"2001:db8::1", "2001::1", "2001:0:4136:e378::1", "2001:2::1",
	"2002:7f00:1::1", "2002:a00:1::", "3fff::1", "100::1", "::127.0.0.1",
	NULL
};

/* Global unicast addresses. */
static const char *const outside[] = {
	"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255",
	"100.128.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.1",
	"192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255",
	"2606:4700::1111", "2a00:1450:4007:80e::200e", "2001:4860::8888",
	"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", NULL
};

START_TEST(test_classes)
{
	u_int	i;

	for (i = 0; inside[i] != NULL; i++) {
		ck_assert_msg(!netpolicy_allowed_text(inside[i], 80),
		    "%s allowed", inside[i]);
		ck_assert_msg(!netpolicy_allowed_text(inside[i], 443),
		    "%s allowed", inside[i]);
	}
	for (i = 0; outside[i] != NULL; i++) {
		ck_assert_msg(netpolicy_allowed_text(outside[i], 80),
		    "%s refused", outside[i]);
		ck_assert_msg(netpolicy_allowed_text(outside[i], 443),
		    "%s refused", outside[i]);
		ck_assert_msg(!netpolicy_allowed_text(outside[i], 8080),
		    "%s:8080 allowed", outside[i]);
		ck_assert_msg(!netpolicy_allowed_text(outside[i], 22),
		    "%s:22 allowed", outside[i]);
	}
	ck_assert(!netpolicy_allowed_text("not an address", 80));
}
END_TEST

START_TEST(test_allow_port)
{
	char	*cause = NULL;

	ck_assert_int_eq(netpolicy_allow_port("8080", &cause), 0);
	ck_assert(netpolicy_allowed_text("8.8.8.8", 8080));
	ck_assert(netpolicy_allowed_text("2606:4700::1111", 8080));
	/* Ports are for global addresses only. */
	ck_assert(!netpolicy_allowed_text("127.0.0.1", 8080));
	ck_assert(!netpolicy_allowed_text("8.8.8.8", 8081));
	ck_assert_int_eq(netpolicy_allow_port("0", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "--allow-port"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_port("65536", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_port("80x", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_port("-1", &cause), -1);
	free(cause);
	netpolicy_free();
	ck_assert(!netpolicy_allowed_text("8.8.8.8", 8080));
}
END_TEST

START_TEST(test_allow_net)
{
	char	*cause = NULL;
	u_char	 addr[16];
	u_int	 bits;
	int	 family;

	ck_assert_int_eq(netpolicy_allow_net("127.0.0.0/8", &cause), 0);
	ck_assert(netpolicy_allowed_text("127.0.0.1", 22));
	ck_assert(netpolicy_allowed_text("127.9.9.9", 65535));
	/* The same address in its IPv4-mapped IPv6 form. */
	ck_assert(netpolicy_allowed_text("::ffff:127.0.0.1", 1));
	ck_assert(!netpolicy_allowed_text("10.0.0.1", 80));
	ck_assert(!netpolicy_allowed_text("::1", 80));

	ck_assert_int_eq(netpolicy_allow_net("10.1.2.3", &cause), 0);
	ck_assert(netpolicy_allowed_text("10.1.2.3", 5432));
	ck_assert(!netpolicy_allowed_text("10.1.2.4", 5432));

	ck_assert_int_eq(netpolicy_allow_net("fd00::/8", &cause), 0);
	ck_assert(netpolicy_allowed_text("fd12::1", 9000));
	ck_assert(!netpolicy_allowed_text("fc12::1", 9000));

	ck_assert_int_eq(netpolicy_allow_net("172.16.0.0/13", &cause), 0);
	ck_assert(netpolicy_allowed_text("172.23.255.255", 1));
	ck_assert(!netpolicy_allowed_text("172.24.0.0", 1));

	ck_assert_int_eq(netpolicy_parse_net("0.0.0.0/0", &family, addr,
	    &bits, &cause), 0);
	ck_assert_int_eq(bits, 0);
	ck_assert_int_eq(netpolicy_parse_net("::/0", &family, addr, &bits,
	    &cause), 0);
	ck_assert_int_eq(family, AF_INET6);

	/* Refused: junk, a prefix too long, bits past the prefix. */
	ck_assert_int_eq(netpolicy_allow_net("127.0.0.0/33", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("localhost", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("127.1/8", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("10.0.0.1/8", &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "past the /8"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("::1/129", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("10.0.0.0/", &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(netpolicy_allow_net("10.0.0.0/+8", &cause), -1);
	free(cause);
	netpolicy_free();
	ck_assert(!netpolicy_allowed_text("127.0.0.1", 22));
}
END_TEST

/* Resolve a Location against a base; NULL and the cause if refused. */
static char *
resolve(const char *base, const char *loc, char **cause)
{
	*cause = NULL;
	return (location_resolve(base, loc, cause));
}

START_TEST(test_location)
{
	const char	*base = "http://u:p@example.com:8080/a/b?c";
	char		*s, *cause, *big;

	s = resolve(base, "/x", &cause);
	ck_assert_str_eq(s, "http://example.com:8080/x");	/* no u:p */
	free(s);
	s = resolve(base, "y", &cause);
	ck_assert_str_eq(s, "http://example.com:8080/a/y");
	free(s);
	s = resolve(base, "//other.example/p", &cause);
	ck_assert_str_eq(s, "http://other.example/p");
	free(s);
	/* Credentials in a Location are dropped. */
	s = resolve(base, "https://user:secret@evil.example/", &cause);
	ck_assert_str_eq(s, "https://evil.example/");
	free(s);
	s = resolve(base, "https://user@evil.example/", &cause);
	ck_assert_str_eq(s, "https://evil.example/");
	free(s);
	/* Raw spaces, UTF-8 and invalid UTF-8 are percent-encoded. */
	s = resolve(base, "/a b/\xc3\xa9", &cause);
	ck_assert_str_eq(s, "http://example.com:8080/a%20b/%c3%a9");
	free(s);
	s = resolve(base, "/\xff\xfe\x80", &cause);
	ck_assert_str_eq(s, "http://example.com:8080/%ff%fe%80");
	free(s);
	/* Not http: resolved all the same (the caller refuses it). */
	s = resolve(base, "ftp://h/f", &cause);
	ck_assert_str_eq(s, "ftp://h/f");
	free(s);
	/* Control characters: not a URL. */
	s = resolve(base, "/a\nb", &cause);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(cause, "not a URL"));
	free(cause);
	/* A host that is not UTF-8 cannot make a JSON string. */
	s = resolve(base, "http://\xff\xfe/", &cause);
	ck_assert_ptr_null(s);
	free(cause);
	/* 8 KB at most. */
	big = malloc(LOCATION_MAX + 2);
	memset(big, 'a', LOCATION_MAX + 1);
	big[0] = '/';
	big[LOCATION_MAX] = '\0';
	s = resolve(base, big, &cause);
	ck_assert_ptr_nonnull(s);
	free(s);
	big[LOCATION_MAX] = 'a';
	big[LOCATION_MAX + 1] = '\0';
	s = resolve(base, big, &cause);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(cause, "longer than 8192"));
	free(cause);
	free(big);

	s = location_strip_userinfo("http://a:b@h:81/p?q#f");
	ck_assert_str_eq(s, "http://h:81/p?q#f");
	free(s);
	ck_assert_ptr_null(location_strip_userinfo("http://a b/"));
}
END_TEST

START_TEST(test_origin)
{
	ck_assert(location_same_origin("http://h/a", "http://H:80/b"));
	ck_assert(location_same_origin("https://h/a", "https://h:443/"));
	ck_assert(location_same_origin("http://u:p@h/a", "http://h/b"));
	ck_assert(!location_same_origin("http://h/a", "https://h/a"));
	ck_assert(!location_same_origin("http://h/a", "http://h:81/a"));
	ck_assert(!location_same_origin("http://h/a", "http://g/a"));
	ck_assert(!location_same_origin("http://h.example/",
	    "http://h.example.evil/"));
	ck_assert(!location_same_origin("not a url", "not a url"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("netpolicy");
	TCase	*tc = tcase_create("netpolicy");

	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_allow_port);
	tcase_add_test(tc, test_allow_net);
	tcase_add_test(tc, test_location);
	tcase_add_test(tc, test_origin);
	suite_add_tcase(s, tc);
	return (run_suite(s));
}

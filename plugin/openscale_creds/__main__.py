from openscale_creds.cli import main

main()
